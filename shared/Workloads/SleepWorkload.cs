using Serverless.Jobs;

namespace Serverless.Workloads;

public sealed record SleepParameters(int Milliseconds);

public sealed record SleepPartial(long Shards, long SleptMilliseconds);

/// <summary>
/// Shards that only wait: the engine's own overhead made visible (fan-out throughput), and a job that stays
/// running long enough to watch or cancel.
/// </summary>
public sealed class SleepWorkload : Workload<SleepParameters, SleepParameters, SleepPartial, SleepPartial>
{
    public override string Name => "sleep";

    public override string Description => "Shards that only wait: the engine's own overhead, and a job to watch or cancel.";

    public override SleepParameters ReadParameters(JsonFieldReader reader, int shards) =>
        new(reader.GetInt32("milliseconds", 0, 3_600_000, defaultValue: 0));

    public override SleepParameters Plan(SleepParameters parameters, ShardPosition position) => parameters;

    public override async ValueTask<SleepPartial> RunAsync(SleepParameters shard, CancellationToken cancellationToken)
    {
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
