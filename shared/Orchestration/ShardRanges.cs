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
    /// <summary>How long a range waits, once every round is decided, for the losers it told to stop (see <see cref="RaceWatch"/>'s polling).</summary>
    private static readonly TimeSpan LoserGrace = TimeSpan.FromSeconds(5);

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
    /// <para>
    /// Speculation: in the range's tail (no shard waits for a slot), a call that runs past the
    /// <see cref="StragglerPolicy"/> threshold gets one backup, the same shards with the next attempt numbers
    /// (so its blob is its own). Parallelism bounds the shards in flight, not executions: a backup runs in its
    /// original's slots, which the pair holds until both have returned, so in the tail at most one backup per
    /// straggler runs beyond it and fresh work never waits for one. The first result in which every shard
    /// succeeded wins; a result with failures waits for the partner's and is taken only if that fails too. The
    /// taken result is handled as any call's (a failed shard is retried, numbered after both executions, so a
    /// backup spends an attempt, and a round on its last attempt gets no backup); the other is not counted,
    /// retried or reduced. The engine keeps an orchestration open until every activity it scheduled has returned,
    /// so each execution watches for its partner's successful blob and stops when that appears
    /// (<see cref="RaceWatch"/>); a loser that cannot stop holds the range open, not its shards' results.
    /// </para>
    /// </summary>
    private static async Task<RangeSummary> RunLeafAsync(TaskOrchestrationContext context, RangeInput range, Action<int, int> count)
    {
        var retry = range.Job.Retry;
        var ready = new Queue<ShardAttempt>(Enumerable.Range(range.Start, range.Count).Select(index => new ShardAttempt(index, 1)));
        var executions = new List<Execution>();
        var retries = new List<Task<ShardAttempt>>();
        var sizer = new BatchSizer();
        var stragglers = new StragglerPolicy();
        var callBlobs = new List<string>();
        var lost = new List<ShardResult>();
        var backups = new List<ShardBackup>();
        var loserBlobs = new List<string>();
        Costs.Usage? loserUsage = null;
        // The engine completes an orchestration only once none of its timers is pending, so a superseded wake-up is canceled.
        Task? wake = null;
        CancellationTokenSource? wakeCancel = null;
        DateTime wakeAt = default, reached = default;
        var shardsRunning = 0;
        while (ready.Count > 0 || retries.Count > 0 || executions.Exists(e => !e.Round.Decided))
        {
            while (sizer.MayStart(executions.Count) && sizer.NextBatchSize(ready.Count, range.Parallelism - shardsRunning) is > 0 and var size)
            {
                var batch = Enumerable.Range(0, size).Select(_ => ready.Dequeue()).ToList();
                Start(new Round(batch, context.CurrentUtcDateTime), backup: false);
            }

            if (range.Speculation == SpeculationMode.Auto && ready.Count == 0)
            {
                Speculate();
            }

            var waits = new List<Task>(executions.Select(e => e.Call));
            waits.AddRange(retries);
            if (wake is not null)
            {
                waits.Add(wake);
            }

            var finished = await Task.WhenAny(waits).ConfigureAwait(true);
            if (finished == wake)
            {
                // The clock of the episode a timer wakes can trail the timer's own time on another machine.
                reached = wakeAt > reached ? wakeAt : reached;
                wake = null;
                wakeCancel!.Dispose();
                wakeCancel = null;
                continue;
            }

            if (finished is Task<ShardAttempt> retryReady)
            {
                retries.Remove(retryReady);
                ready.Enqueue(await retryReady.ConfigureAwait(true));
                continue;
            }

            var execution = executions.Single(e => e.Call == finished);
            executions.Remove(execution);
            if (--execution.Round.Running == 0)
            {
                shardsRunning -= execution.Round.Shards.Count;
            }

            var returned = await execution.Call.ConfigureAwait(true);
            var round = execution.Round;
            if (round.Decided)
            {
                // A race's loser: its shards already have their result; it only gave the pair's slots back.
                Lose(returned);
                continue;
            }

            if (returned.Result.Superseded || !returned.Result.Shards.All(s => s.Succeeded))
            {
                if (round.Running > 0)
                {
                    // The partner still runs and may yet succeed: only a success decides a race early (and stops
                    // the other execution); a failure or a stop waits for the partner's result.
                    if (returned.Result.Superseded)
                    {
                        Lose(returned);
                    }
                    else
                    {
                        round.Failure = (execution, returned);
                    }

                    continue;
                }

                if (returned.Result.Superseded)
                {
                    // Stopped by a blob that decided nothing here (a failure, or an earlier run's): the partner's failure
                    // is the round's result, or, with none, this execution's shards failed this attempt.
                    Lose(returned);
                    (execution, returned) = round.Failure ?? (execution, FailedCall(AttemptsOf(round, execution.Backup), "The call stopped for a result that was not taken."));
                    round.Failure = null;
                }
            }

            if (round.Failure is { } notTaken)
            {
                Lose(notTaken.Returned);
            }

            round.Decided = true;
            Take(execution, returned);
        }

        CancelWake();
        await AwaitLosersAsync().ConfigureAwait(true);

        var losses = loserBlobs.Count > 0 || loserUsage is not null ? new RaceLosses(loserBlobs, loserUsage) : null;
        return await context.CallActivityAsync<RangeSummary>(
            nameof(ReduceShardsActivity),
            new ReduceShardsInput(range.JobId, range.Job.Workload, range.Start, range.End, callBlobs, lost, range.Redrive, backups.Count > 0 ? backups : null, losses)).ConfigureAwait(true);

        // Every round is decided, so what still runs are losers, told to stop: a short wait lets the range count what
        // they used. One that does not stop in time (code that ignores its token) is left out of the cost, not awaited.
        async Task AwaitLosersAsync()
        {
            var running = executions.Select(e => e.Call).ToList();
            if (running.Count == 0)
            {
                return;
            }

            using var graceOver = new CancellationTokenSource();
            var grace = context.CreateTimer(context.CurrentUtcDateTime + LoserGrace, graceOver.Token);
            while (running.Count > 0 && await Task.WhenAny([.. running, grace]).ConfigureAwait(true) is Task<CallReturn> stopped)
            {
                running.Remove(stopped);
                Lose(await stopped.ConfigureAwait(true));
            }

            // The engine completes an orchestration only once none of its timers is pending.
            graceOver.Cancel();
        }

        // An execution whose result is not taken still cost something: its blob holds what it used, or its answer does.
        void Lose(CallReturn notTaken)
        {
            if (notTaken.Result.Blob is { } blob)
            {
                loserBlobs.Add(blob);
            }
            else if (notTaken.Result.Usage is { } used)
            {
                loserUsage = loserUsage?.Add(used) ?? used;
            }
        }

        void Start(Round round, bool backup)
        {
            var shards = AttemptsOf(round, backup);
            if (round.Running++ == 0)
            {
                shardsRunning += shards.Count;
            }

            var watchAfter = range.Speculation == SpeculationMode.Off ? (TimeSpan?)null
                : backup ? TimeSpan.Zero
                : stragglers.Threshold ?? StragglerPolicy.Floor;
            executions.Add(new Execution(round, backup, context.CurrentUtcDateTime, RunBatchAsync(context, range, shards, backup, watchAfter)));
        }

        void CancelWake()
        {
            wakeCancel?.Cancel();
            wakeCancel?.Dispose();
            (wake, wakeCancel) = (null, null);
        }

        // Backs up every straggler, and sets a timer for the next call that would become one.
        void Speculate()
        {
            var now = context.CurrentUtcDateTime > reached ? context.CurrentUtcDateTime : reached;
            DateTime? next = null;
            // A backup takes the next attempt number, so a round already on its last attempt gets none.
            foreach (var round in executions.Where(e => !e.Backup && !e.Round.Decided && !e.Round.BackedUp && e.Round.Shards.All(s => s.Attempt < retry.MaxAttempts)).Select(e => e.Round).ToList())
            {
                if (stragglers.StragglerAt(round.StartedAt) is not { } due)
                {
                    return;
                }

                if (due > now)
                {
                    next = next is { } earlier && earlier < due ? earlier : due;
                }
                else
                {
                    round.BackedUp = true;
                    Start(round, backup: true);
                }
            }

            // A pending timer that fires no later still serves; one that fires later is replaced.
            if (next is { } at && (wake is null || wakeAt > at))
            {
                CancelWake();
                wakeCancel = new CancellationTokenSource();
                (wake, wakeAt) = (context.CreateTimer(at, wakeCancel.Token), at);
            }
        }

        void Take(Execution winner, CallReturn returned)
        {
            var (round, call) = (winner.Round, returned.Result);
            stragglers.Observe(context.CurrentUtcDateTime - winner.StartedAt);
            if (call.Blob is { } blob)
            {
                callBlobs.Add(blob);
            }

            if (round.BackedUp)
            {
                backups.AddRange(round.Shards.Select(s => new ShardBackup(s.Index, s.Attempt + 1, winner.Backup)));
            }

            foreach (var outcome in call.Shards)
            {
                sizer.Observe(outcome.DurationMs);
                // Numbered after every execution of this round, the backup's included.
                var nextAttempt = outcome.Attempt + (round.BackedUp && !winner.Backup ? 2 : 1);
                if (!outcome.Succeeded && nextAttempt <= retry.MaxAttempts)
                {
                    retries.Add(RetryLaterAsync(context, new ShardAttempt(outcome.Index, nextAttempt), retry.DelayBefore(nextAttempt)));
                    continue;
                }

                if (!outcome.Succeeded && call.Blob is null)
                {
                    lost.Add(new ShardResult(outcome.Index, outcome.Attempt, ShardStatus.Failed, null, outcome.DurationMs, returned.Error));
                }

                count(outcome.Succeeded ? 1 : 0, outcome.Succeeded ? 0 : 1);
            }
        }
    }

    private static async Task<CallReturn> RunBatchAsync(TaskOrchestrationContext context, RangeInput range, IReadOnlyList<ShardAttempt> batch, bool backup, TimeSpan? watchAfter)
    {
        try
        {
            var input = new RunShardsInput(range.JobId, range.Job, batch, range.Redrive, backup, watchAfter?.TotalMilliseconds);
            return new CallReturn(await context.CallActivityAsync<ShardCallResult>(nameof(RunShardsActivity), input).ConfigureAwait(true), null);
        }
        catch (TaskFailedException ex)
        {
            // The call itself failed (the worker died, the workload is gone): every shard in it failed this attempt.
            return FailedCall(batch, ex.FailureDetails.ErrorMessage);
        }
    }

    /// <summary>A call that returned no blob: each of its shards failed this attempt, for the reason given.</summary>
    private static CallReturn FailedCall(IReadOnlyList<ShardAttempt> batch, string error) =>
        new(new ShardCallResult(null, [.. batch.Select(s => new ShardCallOutcome(s.Index, s.Attempt, false, 0))]), error);

    /// <summary>The attempts an execution of the round runs: its own, or for a backup each one number later.</summary>
    private static IReadOnlyList<ShardAttempt> AttemptsOf(Round round, bool backup) =>
        backup ? [.. round.Shards.Select(s => s with { Attempt = s.Attempt + 1 })] : round.Shards;

    private static async Task<ShardAttempt> RetryLaterAsync(TaskOrchestrationContext context, ShardAttempt attempt, TimeSpan delay)
    {
        await context.CreateTimer(delay, CancellationToken.None).ConfigureAwait(true);
        return attempt;
    }

    /// <summary>What a call returned, or, when the call failed as a whole, a failure for each of its shards and the error.</summary>
    private sealed record CallReturn(ShardCallResult Result, string? Error);

    /// <summary>Shards sent out together: their first execution and at most one backup race for one result.</summary>
    private sealed class Round(IReadOnlyList<ShardAttempt> shards, DateTime startedAt)
    {
        public IReadOnlyList<ShardAttempt> Shards { get; } = shards;

        public DateTime StartedAt { get; } = startedAt;

        public bool BackedUp { get; set; }

        /// <summary>Executions of these shards in flight: the round holds their slots while any runs.</summary>
        public int Running { get; set; }

        /// <summary>One execution's result has been taken; the other, if still running, is the loser.</summary>
        public bool Decided { get; set; }

        /// <summary>A result with failures that came back while the partner still ran: the round's, unless the partner succeeds.</summary>
        public (Execution Execution, CallReturn Returned)? Failure { get; set; }
    }

    /// <summary>One activity call in flight, with the orchestration time it was scheduled at.</summary>
    private sealed record Execution(Round Round, bool Backup, DateTime StartedAt, Task<CallReturn> Call);
}
