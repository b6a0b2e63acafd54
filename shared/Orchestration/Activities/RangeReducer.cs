using System.Text.Json;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>Reads partials and range records and folds them with the workload's Combine, in index order.</summary>
public sealed class RangeReducer
{
    private const int ParallelReads = 16;
    private readonly WorkloadCatalog _workloads;
    private readonly IBlobStore _blobs;

    public RangeReducer(WorkloadCatalog workloads, IBlobStore blobs)
    {
        _workloads = workloads;
        _blobs = blobs;
    }

    /// <summary>Combines the succeeded shards' partials and writes the range's record.</summary>
    public async Task<RangeSummary> ReduceShardsAsync(ReduceShardsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var succeeded = input.Shards.Where(s => s.Status == ShardStatus.Succeeded).ToList();
        var outputs = await ReadAllAsync<ShardOutput>(succeeded.Select(s => s.Blob!).ToList()).ConfigureAwait(false);
        var partial = Fold(input.Workload, outputs.Select(o => (JsonElement?)o.Partial));
        return await WriteAsync(JobBlobLayout.Range(input.JobId, input.Start, input.End, input.Redrive), new RangeRecord(input.Start, input.End, partial, input.Shards)).ConfigureAwait(false);
    }

    /// <summary>Combines child ranges (already reduced) into one record for the parent range.</summary>
    public async Task<RangeSummary> MergeRangesAsync(MergeRangesInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var children = await ReadAllAsync<RangeRecord>(input.Children.Select(c => c.Blob).ToList()).ConfigureAwait(false);
        var partial = Fold(input.Workload, children.Select(c => c.Partial));
        var shards = children.SelectMany(c => c.Shards).ToList();
        return await WriteAsync(JobBlobLayout.Range(input.JobId, input.Start, input.End, input.Redrive), new RangeRecord(input.Start, input.End, partial, shards)).ConfigureAwait(false);
    }

    /// <summary>The summary of a range already reduced, or null: lets a re-executed range skip its finished work.</summary>
    public async Task<RangeSummary?> FindRangeAsync(FindRangeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var blob = JobBlobLayout.Range(input.JobId, input.Start, input.End, input.Redrive);
        var data = await _blobs.ReadAsync(blob).ConfigureAwait(false);
        return data is null ? null : Summarize(blob, JobJson.Deserialize<RangeRecord>(data));
    }

    public Task<RangeRecord> ReadRangeAsync(string blob) => ReadRequiredAsync<RangeRecord>(blob, CancellationToken.None);

    private JsonElement? Fold(string workloadName, IEnumerable<JsonElement?> partials)
    {
        var workload = _workloads.Get(workloadName);
        JsonElement? total = null;
        foreach (var partial in partials.OfType<JsonElement>())
        {
            total = total is { } sum ? workload.Combine(sum, partial) : partial;
        }

        return total;
    }

    private async Task<RangeSummary> WriteAsync(string blob, RangeRecord record)
    {
        await _blobs.WriteAsync(blob, JobJson.Serialize(record)).ConfigureAwait(false);
        return Summarize(blob, record);
    }

    private static RangeSummary Summarize(string blob, RangeRecord record)
    {
        var failed = record.Shards.Count(s => s.Status == ShardStatus.Failed);
        return new RangeSummary(record.Start, record.End, record.Shards.Count - failed, failed, blob);
    }

    private async Task<T[]> ReadAllAsync<T>(List<string> paths)
    {
        var results = new T[paths.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, paths.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads },
            async (i, cancellationToken) => results[i] = await ReadRequiredAsync<T>(paths[i], cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }

    private async Task<T> ReadRequiredAsync<T>(string path, CancellationToken cancellationToken)
    {
        var data = await _blobs.ReadAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Blob '{path}' is missing.");
        return JobJson.Deserialize<T>(data);
    }
}
