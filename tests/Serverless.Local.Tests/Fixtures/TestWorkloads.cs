using System.Collections.Concurrent;
using Serverless.Jobs;
using Serverless.Workloads;

namespace Serverless.Local.Tests.Fixtures;

public sealed record FlakyParameters(int FailShard, int FailAttempts, int Milliseconds);

/// <summary>
/// Fails shard <c>failShard</c> on its first <c>failAttempts</c> attempts (the attempt number comes from the
/// engine), so retries and failures are deterministic. Counts the shards this instance ran, so a test can
/// tell which of two hosts did the work.
/// </summary>
public sealed class FlakyWorkload : Workload<FlakyParameters, (FlakyParameters Parameters, ShardPosition Position), long, long>
{
    public ConcurrentBag<int> Ran { get; } = [];

    public override string Name => "flaky";

    public override FlakyParameters ReadParameters(JsonFieldReader reader, int shards) => new(
        reader.GetInt32("failShard", -1, JobLimits.MaxShards, -1),
        reader.GetInt32("failAttempts", 0, 100, 0),
        reader.GetInt32("milliseconds", 0, 60_000, 0));

    public override (FlakyParameters Parameters, ShardPosition Position) Plan(FlakyParameters parameters, ShardPosition position) => (parameters, position);

    public override async ValueTask<long> RunAsync((FlakyParameters Parameters, ShardPosition Position) shard, CancellationToken cancellationToken)
    {
        var (parameters, position) = shard;
        if (parameters.Milliseconds > 0)
        {
            await Task.Delay(parameters.Milliseconds, cancellationToken);
        }

        if (position.Index == parameters.FailShard && position.Attempt <= parameters.FailAttempts)
        {
            throw new InvalidOperationException($"Injected failure: shard {position.Index}, attempt {position.Attempt}.");
        }

        Ran.Add(position.Index);
        return 1;
    }

    public override long Combine(long left, long right) => left + right;

    public override ValueTask<long> FinishAsync(long combined, FlakyParameters parameters, JobContext job, CancellationToken cancellationToken) =>
        ValueTask.FromResult(combined);
}
