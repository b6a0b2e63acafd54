using System.Collections.Concurrent;
using System.Text.Json;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Workloads;

namespace Serverless.Tests.TestSupport;

public sealed record NoParameters;

/// <summary>The values a shard processed, in order, so a combined partial says exactly which items were counted.</summary>
public sealed record ProcessedValues(long Count, List<string> Values);

/// <summary>
/// A test item workload: an item's key is its value (a string's text, else its raw JSON). Items whose key is in
/// <see cref="FailKeys"/> throw; a test clears or changes the set between runs to make failures transient.
/// <see cref="Calls"/> counts how often each key was processed. The result line is <c>{"key": …}</c>.
/// </summary>
public sealed class FailingItemsWorkload : ItemWorkload<NoParameters, string, ProcessedValues, ProcessedValues>
{
    public const string WorkloadName = "failing-items";

    public ConcurrentDictionary<string, byte> FailKeys { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    public override string Name => WorkloadName;

    public static string KeyOf(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    public void FailOn(params string[] keys)
    {
        FailKeys.Clear();
        foreach (var key in keys)
        {
            FailKeys[key] = 0;
        }
    }

    public int CallsOf(string key) => Calls.TryGetValue(key, out var calls) ? calls : 0;

    public override NoParameters ReadParameters(JsonFieldReader reader) => new();

    public override ValueTask<string> ProcessAsync(Item item, NoParameters parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var key = KeyOf(item.Value);
        Calls.AddOrUpdate(key, 1, (_, calls) => calls + 1);
        return FailKeys.ContainsKey(key)
            ? throw new InvalidOperationException($"Item '{key}' failed on purpose.")
            : ValueTask.FromResult(key);
    }

    public override ProcessedValues Empty(NoParameters parameters) => new(0, []);

    public override ProcessedValues Accumulate(ProcessedValues shardPartial, string result, NoParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(shardPartial);
        shardPartial.Values.Add(result);
        return shardPartial with { Count = shardPartial.Count + 1 };
    }

    public override ProcessedValues Combine(ProcessedValues left, ProcessedValues right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new(left.Count + right.Count, [.. left.Values, .. right.Values]);
    }

    public override ValueTask<ProcessedValues> FinishAsync(ProcessedValues combined, NoParameters parameters, JobContext job, CancellationToken cancellationToken) =>
        ValueTask.FromResult(combined);

    protected override object? Describe(string result) => new { key = result };
}
