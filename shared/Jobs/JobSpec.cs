using System.Text.Json;
using Serverless.Items;

namespace Serverless.Jobs;

/// <summary>
/// What a user submits: which workload, its parameters and how to fan it out. Item workloads also name
/// their <see cref="Input"/>; their shard count is then planned from it when the job starts.
/// </summary>
/// <param name="Speculation">Whether stragglers get backup executions (see <see cref="Orchestration.StragglerPolicy"/>).</param>
public sealed record JobSpec(
    string Workload,
    IReadOnlyDictionary<string, JsonElement> Parameters,
    int Shards,
    int MaxParallelism,
    RetrySpec Retry,
    double ToleratedFailurePercent,
    long Seed,
    ItemInput? Input = null,
    SpeculationMode Speculation = SpeculationMode.Auto)
{
    /// <summary>
    /// Whether the job's ranges back up stragglers: as asked, except for item jobs, whose shards stream their items
    /// into files named by the shard alone, so a backup would write the same files as its original.
    /// </summary>
    public SpeculationMode RangeSpeculation => Input is null ? Speculation : SpeculationMode.Off;
}

/// <summary>How a failing shard is retried: exponential backoff between attempts.</summary>
public sealed record RetrySpec(
    int MaxAttempts,
    double FirstRetryIntervalSeconds,
    double BackoffCoefficient,
    double MaxRetryIntervalSeconds)
{
    public static RetrySpec Default { get; } = new(3, 1, 2, 60);

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 or later).</summary>
    public TimeSpan DelayBefore(int nextAttempt)
    {
        var seconds = FirstRetryIntervalSeconds * Math.Pow(BackoffCoefficient, nextAttempt - 2);
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxRetryIntervalSeconds));
    }
}

/// <summary>The bounds a spec is validated against, in one place.</summary>
public static class JobLimits
{
    public const int MaxShards = 100_000;

    /// <summary>The shard count of a job whose workload has nothing to size it from.</summary>
    public const int DefaultShards = 8;
    public const int MaxParallelism = 1_000;
    public const int DefaultMaxParallelism = 100;
    public const int MaxAttempts = 10;
    public const double MaxRetryIntervalSeconds = 3_600;
}
