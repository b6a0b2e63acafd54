using System.Text.Json;
using Serverless.Costs;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Stages;

namespace Serverless.Orchestration;

/// <summary>
/// The job orchestration's input: the spec, how many shards one orchestration may run itself, the GPU
/// stage's timing when the workload has one; for a redrive, its number and the first run's item plan.
/// </summary>
public sealed record JobInput(JobSpec Spec, int ShardsPerOrchestration, GpuStageSettings? GpuStage = null, int Redrive = 0, ItemPlanSummary? Plan = null);

/// <summary>
/// What ranges and shard calls need of a job: its workload, shard count, seed, retry policy and planned input
/// size. Never its parameters or inline items: those are in <c>results/{jobId}/spec.json</c>, written once
/// per job (<see cref="Activities.StoreSpecActivity"/>), so no range or shard message grows with the spec.
/// </summary>
public sealed record ShardJob(string Workload, int Shards, long Seed, RetrySpec Retry, long InputSize = 0);

/// <summary>
/// Shards [Start, End) of a job, run by one orchestration with at most Parallelism in flight; for a redrive, its
/// number. Speculation is here rather than in <see cref="ShardJob"/> because only ranges decide on backups, and
/// ShardJob travels in every shard call's message.
/// </summary>
public sealed record RangeInput(string JobId, ShardJob Job, int Start, int End, int Parallelism, int ShardsPerOrchestration, int Redrive = 0, SpeculationMode Speculation = SpeculationMode.Auto)
{
    public int Count => End - Start;
}

/// <summary>What a finished range reports upward: counts and the blob holding its records and partial.</summary>
public sealed record RangeSummary(int Start, int End, int Succeeded, int Failed, string Blob);

/// <summary>One attempt at one shard.</summary>
public sealed record ShardAttempt(int Index, int Attempt);

/// <summary>
/// A batch of shard attempts for one activity call (references only: the spec is read from its blob).
/// <paramref name="Backup"/> marks a speculative second execution of shards still running elsewhere.
/// <paramref name="WatchAfterMs"/>, when speculation is on: from how long into the call it may have a race
/// partner (a backup, or for a backup its original), and so starts watching for that one's blob (see
/// <see cref="Activities.RaceWatch"/>).
/// </summary>
public sealed record RunShardsInput(string JobId, ShardJob Job, IReadOnlyList<ShardAttempt> Shards, int Redrive = 0, bool Backup = false, double? WatchAfterMs = null);

/// <summary>
/// What one activity call returns to its range: the one blob it wrote (every attempt's result and partial,
/// see <see cref="ShardResults"/>; null when it wrote none) and, per attempt, just what the range decides on.
/// <paramref name="Superseded"/>: the call stopped because its race partner had written its blob first; it wrote
/// nothing, and the partner's result is the one to take; <paramref name="Usage"/> is then what it used (with no blob
/// to hold it), so the job's cost still counts it.
/// </summary>
public sealed record ShardCallResult(string? Blob, IReadOnlyList<ShardCallOutcome> Shards, bool Superseded = false, Costs.Usage? Usage = null);

/// <summary>How one attempt went, as the range needs it: to retry it, count it and size the next batches.</summary>
public sealed record ShardCallOutcome(int Index, int Attempt, bool Succeeded, double DurationMs);

/// <summary>Plans an item job's shards from its input.</summary>
public sealed record PlanItemsInput(string JobId, ItemInput Input);

public sealed record FindRangeInput(string JobId, int Start, int End, int Redrive = 0);

/// <summary>
/// Reduces a leaf range from the blobs its calls wrote. <paramref name="Lost"/> holds the final failures of
/// calls that never returned (the worker died), which no blob records. <paramref name="CallBlobs"/> are the
/// winners' blobs only: a call that lost its race against its backup (or the other way round) is not there.
/// <paramref name="Backups"/> lists every backup execution the range ran, for the manifest.
/// </summary>
public sealed record ReduceShardsInput(string JobId, string Workload, int Start, int End, IReadOnlyList<string> CallBlobs, IReadOnlyList<ShardResult> Lost, int Redrive = 0, IReadOnlyList<ShardBackup>? Backups = null, RaceLosses? Losers = null);

/// <summary>
/// What the executions whose results a range did not take (race losers) used: the blobs they wrote, read for their
/// usage alone, and the usage of those that stopped without writing one. Their cost is the price of speculation.
/// </summary>
public sealed record RaceLosses(IReadOnlyList<string> Blobs, Costs.Usage? Used);

/// <summary>A backup execution of one shard: the attempt number it ran as, and whether its result was the one taken.</summary>
public sealed record ShardBackup(int Index, int Attempt, bool Won);

public sealed record MergeRangesInput(string JobId, string Workload, int Start, int End, IReadOnlyList<RangeSummary> Children, int Redrive = 0);

/// <summary>Finishes a job: its shard count as planned, its reduced root range, its input's size and which redrive this was (the spec is read from its blob).</summary>
public sealed record FinishJobInput(string JobId, int Shards, RangeSummary Root, long InputSize = 0, int Redrive = 0);

/// <summary>Stores the job's spec once, where its activities read it.</summary>
public sealed record StoreSpecInput(string JobId, JobSpec Spec);

/// <summary>
/// <c>results/{jobId}/ranges/{start}-{end}.json</c>: the shard records of a range and the combination of its
/// succeeded partials (null when none succeeded), and what its calls, its reduce and its child ranges used. Ranges
/// merge upward until one covers the whole job.
/// </summary>
public sealed record RangeRecord(int Start, int End, JsonElement? Partial, IReadOnlyList<ShardRecord> Shards, Usage? Usage = null);
