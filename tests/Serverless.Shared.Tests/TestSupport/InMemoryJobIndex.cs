using System.Runtime.CompilerServices;
using Serverless.Storage;

namespace Serverless.Tests.TestSupport;

/// <summary>An <see cref="IJobIndex"/> in a sorted list, with the table index's order and filters.</summary>
public sealed class InMemoryJobIndex : IJobIndex
{
    private readonly SortedDictionary<string, JobIndexEntry> _entries = new(StringComparer.Ordinal);

    public IReadOnlyCollection<JobIndexEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries.Values];
            }
        }
    }

    public Task<bool> TryAddAsync(JobIndexEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_entries)
        {
            return Task.FromResult(!_entries.Values.Any(e => e.JobId == entry.JobId) && _entries.TryAdd(entry.Position, entry));
        }
    }

    /// <summary>Reclaims by the entry's creation time, which the in-memory index never rewrites.</summary>
    public Task<bool> TryReclaimAsync(string jobId, DateTimeOffset writtenBefore, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            var entry = _entries.Values.FirstOrDefault(e => e.JobId == jobId);
            if (entry is null || entry.CreatedAt >= writtenBefore)
            {
                return Task.FromResult(false);
            }

            _entries.Remove(entry.Position);
            var renewed = entry with { CreatedAt = writtenBefore };
            _entries.Add(renewed.Position, renewed);
            return Task.FromResult(true);
        }
    }

    public Task RemoveAsync(string jobId, CancellationToken cancellationToken = default)
    {
        lock (_entries)
        {
            foreach (var entry in _entries.Values.Where(e => e.JobId == jobId).ToList())
            {
                _entries.Remove(entry.Position);
            }
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<JobIndexEntry> ListAsync(JobIndexQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (var entry in Entries)
        {
            if ((query.After is null || string.CompareOrdinal(entry.Position, query.After) > 0)
                && (query.Workload is null || entry.Workload == query.Workload)
                && (query.CreatedAfter is null || entry.CreatedAt >= query.CreatedAfter)
                && (query.CreatedBefore is null || entry.CreatedAt <= query.CreatedBefore))
            {
                await Task.Yield();
                yield return entry;
            }
        }
    }
}
