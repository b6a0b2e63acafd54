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
            var records = await RunLeafAsync(context, range, record => Count(record.Status == ShardStatus.Succeeded ? 1 : 0, record.Status == ShardStatus.Failed ? 1 : 0)).ConfigureAwait(true);
            return await context.CallActivityAsync<RangeSummary>(
                nameof(ReduceShardsActivity),
                new ReduceShardsInput(range.JobId, range.Spec.Workload, range.Start, range.End, records, range.Redrive)).ConfigureAwait(true);
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
            new MergeRangesInput(range.JobId, range.Spec.Workload, range.Start, range.End, summaries, range.Redrive)).ConfigureAwait(true);

        void Count(int newlySucceeded, int newlyFailed)
        {
            succeeded += newlySucceeded;
            failed += newlyFailed;
            onProgress(succeeded, failed);
        }
    }

    /// <summary>Sub-orchestration ids start with the job id, so a job's children can be found (and canceled) by prefix.</summary>
    public static string ChildInstanceId(string jobId, RangeInput child) =>
        RangeIdPrefix(jobId) + (child.Redrive > 0 ? $"redrive-{child.Redrive}:{child.Start}-{child.End}" : $"{child.Start}-{child.End}");

    /// <summary>Every range orchestration of a job, at any depth, has an id that starts with this.</summary>
    public static string RangeIdPrefix(string jobId) => jobId + ":";

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

    /// <summary>
    /// Runs the shards of a leaf range as batched activity calls (see <see cref="BatchSizer"/>), at most
    /// Parallelism shards at once. A failed shard is retried alone after its backoff, on a durable timer,
    /// until the spec's attempts are spent; then it is recorded as failed with its last error.
    /// </summary>
    private static async Task<ShardRecord[]> RunLeafAsync(TaskOrchestrationContext context, RangeInput range, Action<ShardRecord> onRecord)
    {
        var retry = range.Spec.Retry;
        var records = new ShardRecord[range.Count];
        var ready = new Queue<ShardAttempt>(Enumerable.Range(range.Start, range.Count).Select(index => new ShardAttempt(index, 1)));
        var work = new List<Task<LeafEvent>>();
        var sizer = new BatchSizer();
        int shardsRunning = 0, callsRunning = 0;
        while (ready.Count > 0 || work.Count > 0)
        {
            while (sizer.MayStart(callsRunning) && sizer.NextBatchSize(ready.Count, range.Parallelism - shardsRunning) is > 0 and var size)
            {
                var batch = Enumerable.Range(0, size).Select(_ => ready.Dequeue()).ToList();
                shardsRunning += batch.Count;
                callsRunning++;
                work.Add(RunBatchAsync(context, range, batch));
            }

            var finished = await Task.WhenAny(work).ConfigureAwait(true);
            work.Remove(finished);
            var next = await finished.ConfigureAwait(true);
            if (next.RetryReady is { } again)
            {
                ready.Enqueue(again);
                continue;
            }

            shardsRunning -= next.Outcomes.Count;
            callsRunning--;
            foreach (var outcome in next.Outcomes)
            {
                sizer.Observe(outcome.DurationMs);
                if (outcome.Error is not null && outcome.Attempt < retry.MaxAttempts)
                {
                    work.Add(RetryLaterAsync(context, new ShardAttempt(outcome.Index, outcome.Attempt + 1), retry.DelayBefore(outcome.Attempt + 1)));
                    continue;
                }

                var record = new ShardRecord(
                    outcome.Index,
                    outcome.Error is null ? ShardStatus.Succeeded : ShardStatus.Failed,
                    outcome.Blob,
                    outcome.Size,
                    outcome.Attempt,
                    outcome.DurationMs,
                    outcome.Error,
                    outcome.Items);
                records[outcome.Index - range.Start] = record;
                onRecord(record);
            }
        }

        return records;
    }

    private static async Task<LeafEvent> RunBatchAsync(TaskOrchestrationContext context, RangeInput range, List<ShardAttempt> batch)
    {
        var spec = range.Spec;
        try
        {
            var input = new RunShardsInput(range.JobId, spec.Workload, spec.Parameters, spec.Shards, spec.Seed, batch, spec.Input, range.InputSize, range.Redrive);
            return new LeafEvent(await context.CallActivityAsync<IReadOnlyList<ShardOutcome>>(nameof(RunShardsActivity), input).ConfigureAwait(true), null);
        }
        catch (TaskFailedException ex)
        {
            // The call itself failed (the worker died, the workload is gone): every shard in it failed this attempt.
            return new LeafEvent([.. batch.Select(s => new ShardOutcome(s.Index, s.Attempt, null, null, 0, ex.FailureDetails.ErrorMessage))], null);
        }
    }

    private static async Task<LeafEvent> RetryLaterAsync(TaskOrchestrationContext context, ShardAttempt attempt, TimeSpan delay)
    {
        await context.CreateTimer(delay, CancellationToken.None).ConfigureAwait(true);
        return new LeafEvent([], attempt);
    }

    /// <summary>What a leaf waits on: a batch that ran, or a retry whose backoff has elapsed.</summary>
    private sealed record LeafEvent(IReadOnlyList<ShardOutcome> Outcomes, ShardAttempt? RetryReady);
}
