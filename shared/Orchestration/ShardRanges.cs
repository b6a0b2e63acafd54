using Microsoft.DurableTask;
using Serverless.Jobs;
using Serverless.Orchestration.Activities;

namespace Serverless.Orchestration;

/// <summary>
/// Runs a range of shards. A range small enough for one orchestration runs its shards as activities; a larger
/// one splits into child ranges run as sub-orchestrations, so no history grows past a few thousand events
/// and the reduction happens level by level.
/// </summary>
public static class ShardRanges
{
    public static async Task<RangeSummary> RunAsync(TaskOrchestrationContext context, RangeInput range, Action<int, int> onProgress)
    {
        int succeeded = 0, failed = 0;
        if (range.Count <= range.ShardsPerOrchestration)
        {
            var records = await BoundedFanOut.RunAsync(
                range.Count,
                range.Parallelism,
                i => RunShardAsync(context, range, range.Start + i),
                record => Count(record.Status == ShardStatus.Succeeded ? 1 : 0, record.Status == ShardStatus.Failed ? 1 : 0)).ConfigureAwait(true);
            return await context.CallActivityAsync<RangeSummary>(
                nameof(ReduceShardsActivity),
                new ReduceShardsInput(range.JobId, range.Spec.Workload, range.Start, range.End, records)).ConfigureAwait(true);
        }

        var children = Split(range);
        var summaries = await BoundedFanOut.RunAsync(
            children.Count,
            Math.Max(1, range.Parallelism / children[0].Parallelism),
            i => context.CallSubOrchestratorAsync<RangeSummary>(
                nameof(ShardRangeOrchestrator),
                children[i],
                new SubOrchestrationOptions { InstanceId = ChildInstanceId(range.JobId, children[i]) }),
            summary => Count(summary.Succeeded, summary.Failed)).ConfigureAwait(true);
        return await context.CallActivityAsync<RangeSummary>(
            nameof(MergeRangesActivity),
            new MergeRangesInput(range.JobId, range.Spec.Workload, range.Start, range.End, summaries)).ConfigureAwait(true);

        void Count(int newlySucceeded, int newlyFailed)
        {
            succeeded += newlySucceeded;
            failed += newlyFailed;
            onProgress(succeeded, failed);
        }
    }

    /// <summary>Sub-orchestration ids start with the job id, so a job's children can be found (and canceled) by prefix.</summary>
    public static string ChildInstanceId(string jobId, RangeInput child) => $"{jobId}:{child.Start}-{child.End}";

    /// <summary>
    /// Children of equal size, the smallest power of ShardsPerOrchestration that keeps their number at most
    /// ShardsPerOrchestration; the parallelism budget is split so the whole tree never exceeds the job's.
    /// </summary>
    public static IReadOnlyList<RangeInput> Split(RangeInput range)
    {
        long childSize = range.ShardsPerOrchestration;
        while ((range.Count + childSize - 1) / childSize > range.ShardsPerOrchestration)
        {
            childSize *= range.ShardsPerOrchestration;
        }

        var childParallelism = (int)Math.Min(range.Parallelism, childSize);
        var children = new List<RangeInput>();
        for (long start = range.Start; start < range.End; start += childSize)
        {
            var end = (int)Math.Min(range.End, start + childSize);
            children.Add(range with { Start = (int)start, End = end, Parallelism = childParallelism });
        }

        return children;
    }

    /// <summary>Runs one shard, retrying failures with exponential backoff on durable timers.</summary>
    private static async Task<ShardRecord> RunShardAsync(TaskOrchestrationContext context, RangeInput range, int index)
    {
        var spec = range.Spec;
        string? error = null;
        for (var attempt = 1; attempt <= spec.Retry.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await context.CreateTimer(spec.Retry.DelayBefore(attempt), CancellationToken.None).ConfigureAwait(true);
            }

            try
            {
                var input = new ShardInput(range.JobId, spec.Workload, spec.Parameters, new(index, spec.Shards, spec.Seed, attempt));
                var result = await context.CallActivityAsync<ShardResult>(nameof(RunShardActivity), input).ConfigureAwait(true);
                return new ShardRecord(index, ShardStatus.Succeeded, result.Blob, result.Size, attempt, result.DurationMs, null);
            }
            catch (TaskFailedException ex)
            {
                error = ex.FailureDetails.ErrorMessage;
            }
        }

        return new ShardRecord(index, ShardStatus.Failed, null, null, spec.Retry.MaxAttempts, null, error);
    }
}
