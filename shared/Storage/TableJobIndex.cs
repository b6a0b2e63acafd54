using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace Serverless.Storage;

/// <summary>
/// <see cref="IJobIndex"/> in a table beside the task hub's own (<c>{hub}Jobs</c>). One partition holds two
/// rows a job, written and deleted together in one transaction: the listing row (its position as row key)
/// and a lookup row by job id, so a job is indexed once even when two hosts start it at the same moment.
/// </summary>
public sealed class TableJobIndex : IJobIndex
{
    private const string Partition = "jobs";
    private const string LookupPrefix = "id-";
    private readonly TableClient _table;
    private readonly Lock _gate = new();
    private Task? _creation;

    public TableJobIndex(TableServiceClient service, string hubName)
    {
        ArgumentNullException.ThrowIfNull(service);
        _table = service.GetTableClient(TableName(hubName));
    }

    public static string TableName(string hubName) => hubName + "Jobs";

    /// <summary>Deletes the whole index (with the task hub it belongs to).</summary>
    public Task DeleteAsync() => _table.DeleteAsync();

    public async Task<bool> TryAddAsync(JobIndexEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await EnsureCreatedAsync().ConfigureAwait(false);
        var listing = new TableEntity(Partition, entry.Position) { ["JobId"] = entry.JobId, ["Workload"] = entry.Workload, ["CreatedAt"] = entry.CreatedAt };
        var lookup = new TableEntity(Partition, LookupPrefix + entry.JobId) { ["Position"] = entry.Position };
        try
        {
            await _table.SubmitTransactionAsync([new(TableTransactionActionType.Add, listing), new(TableTransactionActionType.Add, lookup)], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<bool> TryReclaimAsync(string jobId, DateTimeOffset writtenBefore, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync().ConfigureAwait(false);
        var lookup = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, LookupPrefix + jobId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!lookup.HasValue || lookup.Value!.Timestamp >= writtenBefore)
        {
            return false;
        }

        // Rewriting the row under its ETag renews its timestamp: of racing callers, one write matches.
        try
        {
            await _table.UpdateEntityAsync(lookup.Value, lookup.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    public async Task RemoveAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync().ConfigureAwait(false);
        var lookup = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, LookupPrefix + jobId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!lookup.HasValue)
        {
            return;
        }

        var position = lookup.Value!.GetString("Position");
        try
        {
            await _table.SubmitTransactionAsync([new(TableTransactionActionType.Delete, new TableEntity(Partition, position), ETag.All), new(TableTransactionActionType.Delete, lookup.Value, ETag.All)], cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404)
        {
            // Another purge removed it first.
        }
    }

    public async IAsyncEnumerable<JobIndexEntry> ListAsync(JobIndexQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await EnsureCreatedAsync().ConfigureAwait(false);
        await foreach (var entity in _table.QueryAsync<TableEntity>(Filter(query), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return new JobIndexEntry(entity.GetString("JobId"), entity.GetString("Workload"), entity.GetDateTimeOffset("CreatedAt")!.Value);
        }
    }

    /// <summary>Creates the table once however many callers race for it; a failed attempt is not kept, so the next call tries again.</summary>
    private Task EnsureCreatedAsync()
    {
        lock (_gate)
        {
            return _creation ??= CreateAsync();
        }
    }

    private async Task CreateAsync()
    {
        try
        {
            await _table.CreateIfNotExistsAsync().ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            lock (_gate)
            {
                _creation = null;
            }

            throw;
        }
    }

    /// <summary>Newest first is the row keys' own order; the time bounds become row key bounds.</summary>
    private static string Filter(JobIndexQuery query)
    {
        // Positions of later times sort first, so createdBefore is the lower bound and createdAfter the upper.
        var lower = query.CreatedBefore is { } before ? JobIndexPositions.Of(before) : JobIndexPositions.Prefix;
        var upper = query.CreatedAfter is { } after ? JobIndexPositions.Of(after) + "." : JobIndexPositions.Prefix[..^1] + ".";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {lower} and RowKey lt {upper}");
        if (query.After is { } position)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {position}");
        }

        return query.Workload is { } workload ? filter + " and " + TableClient.CreateQueryFilter($"Workload eq {workload}") : filter;
    }
}
