using System.Text.Json;
using Serverless.Costs;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Reads partials and range records and folds them with the workload's Combine, in index order; sums what the
/// calls and child ranges used into the record, with the reduce's own call, so usage goes up the tree like partials.
/// </summary>
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

    /// <summary>
    /// Builds a leaf range's record from the blobs its calls wrote: each shard's last attempt is its record
    /// (a retried shard's later attempt replaces the earlier one), and the succeeded partials are combined in
    /// index order. Every shard of the range must be there exactly once; a gap means a blob was lost. The
    /// range passes only the blobs of calls whose result it took, so a race's loser never counts here, except in
    /// what the range used.
    /// </summary>
    public async Task<RangeSummary> ReduceShardsAsync(ReduceShardsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var usage = UsageScope.Begin();
        var blobs = input.CallBlobs.Distinct(StringComparer.Ordinal).ToList();
        var contents = await ReadAllAsync<BinaryData>(blobs, data => data).ConfigureAwait(false);
        var latest = new Dictionary<int, (ShardResult Result, string? Blob, long? Size)>();
        void Keep(ShardResult result, string? blob, long? size)
        {
            if (!latest.TryGetValue(result.Index, out var seen) || result.Attempt > seen.Result.Attempt)
            {
                latest[result.Index] = (result, blob, size);
            }
        }

        var callsUsed = new List<Usage?>(blobs.Count);
        for (var i = 0; i < blobs.Count; i++)
        {
            var call = JobJson.Deserialize<ShardResults>(contents[i]);
            callsUsed.Add(call.Usage);
            foreach (var result in call.Shards)
            {
                Keep(result, blobs[i], contents[i].ToMemory().Length);
            }
        }

        foreach (var result in input.Lost)
        {
            Keep(result, null, null);
        }

        var backups = (input.Backups ?? []).ToLookup(b => b.Index);
        var records = new List<ShardRecord>(input.End - input.Start);
        for (var index = input.Start; index < input.End; index++)
        {
            var (result, blob, size) = latest.TryGetValue(index, out var found)
                ? found
                : throw new InvalidDataException($"Shard {index} of job {input.JobId} is in none of its range's {blobs.Count} call blobs.");
            var succeeded = result.Status == ShardStatus.Succeeded;
            records.Add(new ShardRecord(index, result.Status, succeeded ? blob : null, succeeded ? size : null, result.Attempt, result.DurationMs, result.Error, result.Items, result.StartedAt, result.EndedAt, result.Worker,
                backups[index].Count(), backups[index].Count(b => b.Won)));
        }

        if (input.Losers is { } losers)
        {
            // Race losers' results are not kept, but what they used is part of what the range cost.
            callsUsed.AddRange(await ReadAllAsync([.. losers.Blobs], data => JobJson.Deserialize<ShardResults>(data).Usage).ConfigureAwait(false));
            callsUsed.Add(losers.Used);
        }

        var partial = Fold(input.Workload, records.Where(r => r.Status == ShardStatus.Succeeded).Select(r => latest[r.Index].Result.Partial));
        var used = Usage.Sum(callsUsed).Add(Own(usage));
        return await WriteAsync(JobBlobLayout.Range(input.JobId, input.Start, input.End, input.Redrive), new RangeRecord(input.Start, input.End, partial, records, used)).ConfigureAwait(false);
    }

    /// <summary>Combines child ranges (already reduced) into one record for the parent range.</summary>
    public async Task<RangeSummary> MergeRangesAsync(MergeRangesInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var usage = UsageScope.Begin();
        var children = await ReadAllAsync(input.Children.Select(c => c.Blob).ToList(), JobJson.Deserialize<RangeRecord>).ConfigureAwait(false);
        var partial = Fold(input.Workload, children.Select(c => c.Partial));
        var shards = children.SelectMany(c => c.Shards).ToList();

        // Every child ran as a sub-orchestration of this range's.
        var own = Own(usage) with { Orchestrations = children.Length };
        var used = Usage.Sum(children.Select(c => c.Usage)).Add(own);
        return await WriteAsync(JobBlobLayout.Range(input.JobId, input.Start, input.End, input.Redrive), new RangeRecord(input.Start, input.End, partial, shards, used)).ConfigureAwait(false);
    }

    /// <summary>The summary of a range already reduced, or null: lets a re-executed range skip its finished work.</summary>
    public async Task<RangeSummary?> FindRangeAsync(FindRangeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var blob = JobBlobLayout.Range(input.JobId, input.Start, input.End, input.Redrive);
        var data = await _blobs.ReadAsync(blob).ConfigureAwait(false);
        return data is null ? null : Summarize(blob, JobJson.Deserialize<RangeRecord>(data));
    }

    public async Task<RangeRecord> ReadRangeAsync(string blob) => JobJson.Deserialize<RangeRecord>(await ReadRequiredAsync(blob, CancellationToken.None).ConfigureAwait(false));

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

    /// <summary>The reduce's own call, with the write of its record, which it cannot count itself.</summary>
    private static Usage Own(UsageScope usage)
    {
        usage.Add(StorageRequestKind.BlobWrite);
        return usage.ToUsage();
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

    private async Task<T[]> ReadAllAsync<T>(List<string> paths, Func<BinaryData, T> parse)
    {
        var results = new T[paths.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, paths.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads },
            async (i, cancellationToken) => results[i] = parse(await ReadRequiredAsync(paths[i], cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        return results;
    }

    private async Task<BinaryData> ReadRequiredAsync(string path, CancellationToken cancellationToken) =>
        await _blobs.ReadAsync(path, cancellationToken).ConfigureAwait(false) ?? throw new InvalidDataException($"Blob '{path}' is missing.");
}
