using Serverless.Jobs;

namespace Serverless.Workloads;

/// <param name="SlowExecutionPercent">The chance, in percent, that one execution of a shard is slow.</param>
/// <param name="SlowMilliseconds">How long a slow execution sleeps instead of <paramref name="Milliseconds"/>.</param>
public sealed record SleepParameters(int Milliseconds, double SlowExecutionPercent, int SlowMilliseconds);

/// <summary>What one execution of a shard sleeps.</summary>
public sealed record SleepShard(int Milliseconds);

public sealed record SleepPartial(long Shards, long SleptMilliseconds);

/// <summary>
/// Shards that only wait: the engine's own overhead made visible (fan-out throughput), and a job that stays
/// running long enough to watch or cancel. With <c>slowExecutionPercent</c> some executions are slow, as on a
/// slow machine: the draw is per execution (seed, shard, attempt), so a retry or a backup of a slow shard
/// draws again, and the same spec has the same slow executions on every run.
/// </summary>
public sealed class SleepWorkload : Workload<SleepParameters, SleepShard, SleepPartial, SleepPartial>
{
    public const int MaxMilliseconds = 3_600_000;
    public const int DefaultSlowMilliseconds = 30_000;

    public override string Name => "sleep";

    public override string Description => "Shards that only wait: the engine's own overhead, and a job to watch or cancel.";

    public override SleepParameters ReadParameters(JsonFieldReader reader, int shards) =>
        new(
            reader.GetInt32("milliseconds", 0, MaxMilliseconds, defaultValue: 0),
            reader.GetDouble("slowExecutionPercent", 0, 100, defaultValue: 0),
            reader.GetInt32("slowMilliseconds", 0, MaxMilliseconds, defaultValue: DefaultSlowMilliseconds));

    public override SleepShard Plan(SleepParameters parameters, ShardPosition position)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new(IsSlowExecution(parameters.SlowExecutionPercent, position) ? parameters.SlowMilliseconds : parameters.Milliseconds);
    }

    /// <summary>Whether this execution (shard and attempt) is a slow one: a uniform draw from its own stream of the job's seed.</summary>
    public static bool IsSlowExecution(double percent, ShardPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        if (percent <= 0)
        {
            return false;
        }

        var random = new DeterministicRandom(position.Seed, ((long)position.Attempt << 32) | (uint)position.Index);
        return (random.NextUInt64() >> 11) * (1.0 / (1UL << 53)) * 100 < percent;
    }

    public override async ValueTask<SleepPartial> RunAsync(SleepShard shard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (shard.Milliseconds > 0)
        {
            await Task.Delay(shard.Milliseconds, cancellationToken).ConfigureAwait(false);
        }

        return new SleepPartial(1, shard.Milliseconds);
    }

    public override SleepPartial Combine(SleepPartial left, SleepPartial right) =>
        new(left.Shards + right.Shards, left.SleptMilliseconds + right.SleptMilliseconds);

    public override ValueTask<SleepPartial> FinishAsync(SleepPartial combined, SleepParameters parameters, JobContext job, CancellationToken cancellationToken) =>
        ValueTask.FromResult(combined);
}
