using System.Text.Json;
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
/// Shards [Start, End) of a job, run by one orchestration with at most Parallelism in flight (for an item
/// job also the planned input size and the redrive number).
/// </summary>
public sealed record RangeInput(string JobId, JobSpec Spec, int Start, int End, int Parallelism, int ShardsPerOrchestration, long InputSize = 0, int Redrive = 0)
{
    public int Count => End - Start;
}

/// <summary>What a finished range reports upward: counts and the blob holding its records and partial.</summary>
public sealed record RangeSummary(int Start, int End, int Succeeded, int Failed, string Blob);

/// <summary>One attempt at one shard.</summary>
public sealed record ShardAttempt(int Index, int Attempt);

/// <summary>
/// A batch of shard attempts for one activity call. For an item job also its input, the input file's size
/// as planned, and which redrive this is (0: the first run).
/// </summary>
public sealed record RunShardsInput(
    string JobId,
    string Workload,
    IReadOnlyDictionary<string, JsonElement> Parameters,
    int ShardCount,
    long Seed,
    IReadOnlyList<ShardAttempt> Shards,
    ItemInput? Input = null,
    long InputSize = 0,
    int Redrive = 0);

/// <summary>How one shard attempt went: its blob and size, or its error. Duration includes the blob write. Item jobs add their item counts.</summary>
public sealed record ShardOutcome(int Index, int Attempt, string? Blob, long? Size, double DurationMs, string? Error, ItemCounts? Items = null);

/// <summary>Plans an item job's shards from its input.</summary>
public sealed record PlanItemsInput(string JobId, ItemInput Input);

public sealed record FindRangeInput(string JobId, int Start, int End, int Redrive = 0);

public sealed record ReduceShardsInput(string JobId, string Workload, int Start, int End, IReadOnlyList<ShardRecord> Shards, int Redrive = 0);

public sealed record MergeRangesInput(string JobId, string Workload, int Start, int End, IReadOnlyList<RangeSummary> Children, int Redrive = 0);

/// <summary>Finishes a job: its spec (shards as planned), its reduced root range, its input's size and which redrive this was.</summary>
public sealed record FinishJobInput(string JobId, JobSpec Spec, RangeSummary Root, long InputSize = 0, int Redrive = 0);

/// <summary>
/// <c>results/{jobId}/ranges/{start}-{end}.json</c>: the shard records of a range and the combination of its
/// succeeded partials (null when none succeeded). Ranges merge upward until one covers the whole job.
/// </summary>
public sealed record RangeRecord(int Start, int End, JsonElement? Partial, IReadOnlyList<ShardRecord> Shards);
