using System.Collections.Concurrent;
using System.Text.Json;
using Serverless.Jobs;
using Serverless.Workloads;

namespace Serverless.Tests.TestSupport;

/// <summary>
/// A test workload with a straggler on demand: the first execution of shard <c>slowShard</c> waits until the
/// test calls <see cref="Release"/> for its job, as if its machine had stalled; every other execution takes
/// <c>delayMs</c>. With <c>failAttempt</c> the slow shard throws on that attempt; with <c>ignoreCancel</c> the
/// held execution does not stop when told to, like code that never looks at its token. Each partial is
/// <c>{"count":1,"indexSum":index,"attemptSum":attempt}</c>, so the result says which execution of every shard
/// was combined. It counts, per job and shard, the executions it starts, those that finish (returning or failing
/// on purpose) and those stopped by cancellation.
/// </summary>
public sealed class StragglerWorkload : IShardWorkload
{
    public const string WorkloadName = "straggler";
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string JobId, int Index), int> _started = new();
    private readonly ConcurrentDictionary<(string JobId, int Index), int> _finished = new();
    private readonly ConcurrentDictionary<(string JobId, int Index), int> _canceled = new();

    public string Name => WorkloadName;

    public string Description => "Holds one shard's first execution until the test releases it.";

    public IReadOnlyList<FieldDescription> DescribeParameters() => [];

    public static IReadOnlyDictionary<string, JsonElement> Parameters(int slowShard, int delayMs, int failAttempt = 0, bool ignoreCancel = false) =>
        new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["slowShard"] = JsonSerializer.SerializeToElement(slowShard),
            ["delayMs"] = JsonSerializer.SerializeToElement(delayMs),
            ["failAttempt"] = JsonSerializer.SerializeToElement(failAttempt),
            ["ignoreCancel"] = JsonSerializer.SerializeToElement(ignoreCancel),
        };

    /// <summary>Lets the job's held execution return.</summary>
    public void Release(string jobId) => Gate(jobId).TrySetResult();

    /// <summary>Lets every held execution return, so none outlives its test.</summary>
    public void ReleaseAll()
    {
        foreach (var gate in _gates.Values)
        {
            gate.TrySetResult();
        }
    }

    public int Started(string jobId, int index) => _started.GetValueOrDefault((jobId, index));

    public int Finished(string jobId, int index) => _finished.GetValueOrDefault((jobId, index));

    public int Canceled(string jobId, int index) => _canceled.GetValueOrDefault((jobId, index));

    /// <summary>Executions of the job's shards other than <paramref name="except"/> that have finished.</summary>
    public int FinishedExcept(string jobId, int except) => _finished.Where(p => p.Key.JobId == jobId && p.Key.Index != except).Sum(p => p.Value);

    public void Validate(IReadOnlyDictionary<string, JsonElement> parameters, int shards, ValidationErrors errors)
    {
    }

    public int DefaultShards(IReadOnlyDictionary<string, JsonElement> parameters) => JobLimits.DefaultShards;

    public async ValueTask<JsonElement> RunShardAsync(ShardPosition position, IReadOnlyDictionary<string, JsonElement> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(parameters);
        var slowShard = parameters["slowShard"].GetInt32();
        var key = (position.JobId, position.Index);
        _started.AddOrUpdate(key, 1, (_, n) => n + 1);
        try
        {
            if (position.Index == slowShard && position.Attempt == 1)
            {
                await Gate(position.JobId).Task.WaitAsync(parameters["ignoreCancel"].GetBoolean() ? CancellationToken.None : cancellationToken);
            }
            else
            {
                await Task.Delay(parameters["delayMs"].GetInt32(), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            _canceled.AddOrUpdate(key, 1, (_, n) => n + 1);
            throw;
        }

        _finished.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (position.Index == slowShard && position.Attempt == parameters["failAttempt"].GetInt32())
        {
            throw new InvalidOperationException($"Shard {position.Index} failed on purpose on attempt {position.Attempt}.");
        }

        return Partial(1, position.Index, position.Attempt);
    }

    public JsonElement Combine(JsonElement left, JsonElement right)
    {
        return Partial(Sum("count"), Sum("indexSum"), Sum("attemptSum"));

        long Sum(string name) => left.GetProperty(name).GetInt64() + right.GetProperty(name).GetInt64();
    }

    public ValueTask<JsonElement> FinishAsync(JsonElement combined, IReadOnlyDictionary<string, JsonElement> parameters, JobContext job, CancellationToken cancellationToken) =>
        ValueTask.FromResult(combined);

    private TaskCompletionSource Gate(string jobId) => _gates.GetOrAdd(jobId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private static JsonElement Partial(long count, long indexSum, long attemptSum) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, long>(StringComparer.Ordinal) { ["count"] = count, ["indexSum"] = indexSum, ["attemptSum"] = attemptSum });
}
