using System.Text.Json;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Tests.TestSupport;

/// <summary>Builders for specs and catalogs the tests share.</summary>
public static class Specs
{
    /// <summary>Retries without waiting, so failing shards do not slow the tests down.</summary>
    public static RetrySpec FastRetry(int maxAttempts = 3) => new(maxAttempts, 0, 2, 0);

    public static WorkloadCatalog Catalog(FlakyWorkload? flaky = null, IBlobStore? blobs = null, StragglerWorkload? straggler = null) =>
        new([.. WorkloadCatalog.BuiltIn(blobs ?? new InMemoryBlobStore()), flaky ?? new FlakyWorkload(), straggler ?? new StragglerWorkload()]);

    public static IReadOnlyDictionary<string, JsonElement> Parameters(string name, long value) =>
        new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [name] = JsonSerializer.SerializeToElement(value) };

    public static JobSpec MonteCarlo(int shards, long samples, long seed = 42, double toleratedFailurePercent = 0, int maxParallelism = 100) =>
        new("montecarlo-pi", Parameters("samples", samples), shards, maxParallelism, FastRetry(), toleratedFailurePercent, seed);

    public static JobSpec Flaky(int shards, IEnumerable<int> failShards, int failAttempts, double toleratedFailurePercent = 0, int maxAttempts = 3, int maxParallelism = 100, int delayMs = 0) =>
        new(FlakyWorkload.WorkloadName, FlakyWorkload.Parameters(failShards, failAttempts, delayMs), shards, maxParallelism, FastRetry(maxAttempts), toleratedFailurePercent, 0);

    /// <summary>A job whose shard <paramref name="slowShard"/> has a first execution that hangs until released (<see cref="StragglerWorkload"/>).</summary>
    public static JobSpec Straggler(int shards, int slowShard, int maxParallelism, SpeculationMode speculation, int delayMs = 50, int failAttempt = 0, bool ignoreCancel = false) =>
        new(StragglerWorkload.WorkloadName, StragglerWorkload.Parameters(slowShard, delayMs, failAttempt, ignoreCancel), shards, maxParallelism, FastRetry(), 0, 0, Speculation: speculation);
}
