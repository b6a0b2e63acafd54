using System.Text.Json;
using Serverless.Jobs;
using Serverless.Workloads;

namespace Serverless.Tests.TestSupport;

/// <summary>
/// A test workload whose shards fail on purpose. Parameters: <c>failShards</c> (array of shard indexes) and
/// <c>failAttempts</c> (a listed shard throws on attempts 1..failAttempts, then succeeds). Each succeeded
/// shard's partial is <c>{"count":1,"indexSum":index}</c>, so the result says exactly which shards were combined.
/// An optional <c>delayMs</c> keeps each shard running a while; <see cref="MaxConcurrent"/> records how many ran at once.
/// </summary>
public sealed class FlakyWorkload : IShardWorkload
{
    public const string WorkloadName = "flaky";
    private int _running;
    private int _maxConcurrent;

    public string Name => WorkloadName;

    public string Description => "Fails the listed shards on purpose.";

    public IReadOnlyList<FieldDescription> DescribeParameters() => [];

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public static IReadOnlyDictionary<string, JsonElement> Parameters(IEnumerable<int> failShards, int failAttempts, int delayMs = 0) =>
        new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["failShards"] = JsonSerializer.SerializeToElement(failShards.ToArray()),
            ["failAttempts"] = JsonSerializer.SerializeToElement(failAttempts),
            ["delayMs"] = JsonSerializer.SerializeToElement(delayMs),
        };

    public void ResetConcurrency() => Volatile.Write(ref _maxConcurrent, 0);

    public void Validate(IReadOnlyDictionary<string, JsonElement> parameters, int shards, ValidationErrors errors)
    {
    }

    public int DefaultShards(IReadOnlyDictionary<string, JsonElement> parameters) => JobLimits.DefaultShards;

    public async ValueTask<JsonElement> RunShardAsync(ShardPosition position, IReadOnlyDictionary<string, JsonElement> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(parameters);
        var failShards = parameters.TryGetValue("failShards", out var shards) ? shards.Deserialize<int[]>() ?? [] : [];
        var failAttempts = parameters.TryGetValue("failAttempts", out var attempts) ? attempts.GetInt32() : 0;
        var delayMs = parameters.TryGetValue("delayMs", out var delay) ? delay.GetInt32() : 0;
        var running = Interlocked.Increment(ref _running);
        try
        {
            int max;
            while (running > (max = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, running, max) != max)
            {
            }

            if (delayMs > 0)
            {
                await Task.Delay(delayMs, cancellationToken);
            }

            if (failShards.Contains(position.Index) && position.Attempt <= failAttempts)
            {
                throw new InvalidOperationException($"Shard {position.Index} failed on purpose on attempt {position.Attempt}.");
            }

            return Partial(1, position.Index);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public JsonElement Combine(JsonElement left, JsonElement right) =>
        Partial(left.GetProperty("count").GetInt64() + right.GetProperty("count").GetInt64(),
            left.GetProperty("indexSum").GetInt64() + right.GetProperty("indexSum").GetInt64());

    public ValueTask<JsonElement> FinishAsync(JsonElement combined, IReadOnlyDictionary<string, JsonElement> parameters, JobContext job, CancellationToken cancellationToken) =>
        ValueTask.FromResult(combined);

    private static JsonElement Partial(long count, long indexSum) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, long>(StringComparer.Ordinal) { ["count"] = count, ["indexSum"] = indexSum });
}
