using System.Collections.Concurrent;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Workloads;

namespace Serverless.Local.Tests.Fixtures;

public sealed record FlakyParameters(int FailShard, int FailAttempts, int Milliseconds);

/// <summary>
/// Fails shard <c>failShard</c> on its first <c>failAttempts</c> attempts (the attempt number comes from the
/// engine), so retries and failures are deterministic. Counts the shards this instance ran, so a test can
/// tell which of two hosts did the work, and every start of a shard, so a test can tell one ran twice.
/// </summary>
public sealed class FlakyWorkload : Workload<FlakyParameters, (FlakyParameters Parameters, ShardPosition Position), long, long>
{
    public ConcurrentBag<int> Ran { get; } = [];

    public ConcurrentBag<int> Started { get; } = [];

    /// <summary>Shards that fail on every attempt while they are in here (a fault a test can mend, then redrive).</summary>
    public ConcurrentDictionary<int, bool> Broken { get; } = new();

    public override string Name => "flaky";

    public override FlakyParameters ReadParameters(JsonFieldReader reader, int shards) => new(
        reader.GetInt32("failShard", -1, JobLimits.MaxShards, -1),
        reader.GetInt32("failAttempts", 0, 100, 0),
        reader.GetInt32("milliseconds", 0, 60_000, 0));

    public override (FlakyParameters Parameters, ShardPosition Position) Plan(FlakyParameters parameters, ShardPosition position) => (parameters, position);

    public override async ValueTask<long> RunAsync((FlakyParameters Parameters, ShardPosition Position) shard, CancellationToken cancellationToken)
    {
        var (parameters, position) = shard;
        Started.Add(position.Index);
        if (parameters.Milliseconds > 0)
        {
            await Task.Delay(parameters.Milliseconds, cancellationToken);
        }

        if ((position.Index == parameters.FailShard && position.Attempt <= parameters.FailAttempts) || Broken.ContainsKey(position.Index))
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

public sealed record NoItemParameters;

public sealed record LineSummary(long Lines, long Sum);

/// <summary>
/// An item workload over JSONL lines <c>{"n": k, …}</c>: each item's result is <c>{"n": k}</c>, the partial counts
/// lines and sums their n, so a result shows every line was counted exactly once, with little memory per shard.
/// </summary>
public sealed class LineSummaryWorkload : ItemWorkload<NoItemParameters, long, LineSummary, LineSummary>
{
    public const string WorkloadName = "line-summary";

    public override string Name => WorkloadName;

    public override NoItemParameters ReadParameters(JsonFieldReader reader) => new();

    public override ValueTask<long> ProcessAsync(Item item, NoItemParameters parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return ValueTask.FromResult(item.Value.GetProperty("n").GetInt64());
    }

    public override LineSummary Empty(NoItemParameters parameters) => new(0, 0);

    public override LineSummary Accumulate(LineSummary shardPartial, long result, NoItemParameters parameters) =>
        new(shardPartial.Lines + 1, shardPartial.Sum + result);

    public override LineSummary Combine(LineSummary left, LineSummary right) => new(left.Lines + right.Lines, left.Sum + right.Sum);

    public override ValueTask<LineSummary> FinishAsync(LineSummary combined, NoItemParameters parameters, JobContext job, CancellationToken cancellationToken) =>
        ValueTask.FromResult(combined);

    protected override object? Describe(long result) => new { n = result };
}

public sealed record OnceFlakyParameters(IReadOnlyList<string> Fail);

/// <summary>
/// An item workload whose items (text values) listed in <c>fail</c> throw on their first call only, as a transient
/// fault would. <see cref="Calls"/> counts the calls per item on this host; the result is the number of items that succeeded.
/// </summary>
public sealed class OnceFlakyItemWorkload : ItemWorkload<OnceFlakyParameters, string, long, long>
{
    public const string WorkloadName = "once-flaky";

    public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    public override string Name => WorkloadName;

    public override OnceFlakyParameters ReadParameters(JsonFieldReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var fail = reader.GetArray("fail") ?? [];
        return new([.. fail.Select(e => e.GetString() ?? string.Empty)]);
    }

    public override ValueTask<string> ProcessAsync(Item item, OnceFlakyParameters parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(parameters);
        var key = item.Value.GetString()!;
        var calls = Calls.AddOrUpdate(key, 1, (_, count) => count + 1);
        return calls == 1 && parameters.Fail.Contains(key)
            ? throw new InvalidOperationException($"Injected transient failure of '{key}'.")
            : ValueTask.FromResult(key);
    }

    public override long Empty(OnceFlakyParameters parameters) => 0;

    public override long Accumulate(long shardPartial, string result, OnceFlakyParameters parameters) => shardPartial + 1;

    public override long Combine(long left, long right) => left + right;

    public override ValueTask<long> FinishAsync(long combined, OnceFlakyParameters parameters, JobContext job, CancellationToken cancellationToken) =>
        ValueTask.FromResult(combined);

    protected override object? Describe(string result) => new { key = result };
}
