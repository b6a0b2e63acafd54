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
    /// <param name="onProgress">Gets the range's progress: shards finished so far and the child ranges running now.</param>
    public static async Task<RangeSummary> RunAsync(TaskOrchestrationContext context, RangeInput range, Action<JobProgress> onProgress)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(range);
        int succeeded = 0, failed = 0;
        var running = new List<string>();
        if (range.Count <= range.ShardsPerOrchestration)
        {
            return await RunLeafAsync(context, range, Count).ConfigureAwait(true);
        }

        var children = Split(range);
        var summaries = await BoundedFanOut.RunAsync(
            children.Count,
            Math.Max(1, range.Parallelism / children[0].Parallelism),
            i =>
            {
                var id = ChildInstanceId(range.JobId, children[i].Start, children[i].End, range.Redrive);
                running.Add(id);
                Report();
                return context.CallSubOrchestratorAsync<RangeSummary>(nameof(ShardRangeOrchestrator), children[i], new SubOrchestrationOptions { InstanceId = id });
            },
            summary =>
            {
                running.Remove(ChildInstanceId(range.JobId, summary.Start, summary.End, range.Redrive));
                Count(summary.Succeeded, summary.Failed);
            }).ConfigureAwait(true);
        return await context.CallActivityAsync<RangeSummary>(
            nameof(MergeRangesActivity),
            new MergeRangesInput(range.JobId, range.Job.Workload, range.Start, range.End, summaries, range.Redrive)).ConfigureAwait(true);

        void Count(int newlySucceeded, int newlyFailed)
        {
            succeeded += newlySucceeded;
            failed += newlyFailed;
            Report();
        }

        void Report() => onProgress(new JobProgress("Running", range.Count, succeeded + failed, failed, running.Count > 0 ? [.. running] : null));
    }

    /// <summary>Sub-orchestration ids start with the job id, so a job's children can be found (and canceled) by prefix.</summary>
    public static string ChildInstanceId(string jobId, int start, int end, int redrive) =>
        RangeIdPrefix(jobId) + (redrive > 0 ? $"redrive-{redrive}:{start}-{end}" : $"{start}-{end}");

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
    /// Parallelism shards at once, then reduces them from the blobs the calls wrote. A failed shard is retried
    /// alone after its backoff, on a durable timer, until the spec's attempts are spent; its last attempt is
    /// its record. The history holds only attempts and durations: results live in the call blobs.
    /// </summary>
    private static async Task<RangeSummary> RunLeafAsync(TaskOrchestrationContext context, RangeInput range, Action<int, int> count)
    {
        var retry = range.Job.Retry;
        var ready = new Queue<ShardAttempt>(Enumerable.Range(range.Start, range.Count).Select(index => new ShardAttempt(index, 1)));
        var work = new List<Task<LeafEvent>>();
        var sizer = new BatchSizer();
        var callBlobs = new List<string>();
        var lost = new List<ShardResult>();
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

            var call = next.Call!;
            shardsRunning -= call.Shards.Count;
            callsRunning--;
            if (call.Blob is { } blob)
            {
                callBlobs.Add(blob);
            }

            foreach (var outcome in call.Shards)
            {
                sizer.Observe(outcome.DurationMs);
                if (!outcome.Succeeded && outcome.Attempt < retry.MaxAttempts)
                {
                    work.Add(RetryLaterAsync(context, new ShardAttempt(outcome.Index, outcome.Attempt + 1), retry.DelayBefore(outcome.Attempt + 1)));
                    continue;
                }

                if (!outcome.Succeeded && call.Blob is null)
                {
                    lost.Add(new ShardResult(outcome.Index, outcome.Attempt, ShardStatus.Failed, null, outcome.DurationMs, next.CallError));
                }

                count(outcome.Succeeded ? 1 : 0, outcome.Succeeded ? 0 : 1);
            }
        }

        return await context.CallActivityAsync<RangeSummary>(
            nameof(ReduceShardsActivity),
            new ReduceShardsInput(range.JobId, range.Job.Workload, range.Start, range.End, callBlobs, lost, range.Redrive)).ConfigureAwait(true);
    }

    private static async Task<LeafEvent> RunBatchAsync(TaskOrchestrationContext context, RangeInput range, List<ShardAttempt> batch)
    {
        try
        {
            var input = new RunShardsInput(range.JobId, range.Job, batch, range.Redrive);
            return new LeafEvent(await context.CallActivityAsync<ShardCallResult>(nameof(RunShardsActivity), input).ConfigureAwait(true), null, null);
        }
        catch (TaskFailedException ex)
        {
            // The call itself failed (the worker died, the workload is gone): every shard in it failed this attempt.
            return new LeafEvent(new ShardCallResult(null, [.. batch.Select(s => new ShardCallOutcome(s.Index, s.Attempt, false, 0))]), ex.FailureDetails.ErrorMessage, null);
        }
    }

    private static async Task<LeafEvent> RetryLaterAsync(TaskOrchestrationContext context, ShardAttempt attempt, TimeSpan delay)
    {
        await context.CreateTimer(delay, CancellationToken.None).ConfigureAwait(true);
        return new LeafEvent(null, null, attempt);
    }

    /// <summary>What a leaf waits on: a call that returned (or failed as a whole, with its error), or a retry whose backoff has elapsed.</summary>
    private sealed record LeafEvent(ShardCallResult? Call, string? CallError, ShardAttempt? RetryReady);
}
