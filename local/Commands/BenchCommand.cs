using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.Api;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Local.Engine;
using Serverless.Workloads;

namespace Serverless.Local.Commands;

/// <summary>
/// <c>bench</c>: in one run, (a) montecarlo-pi shards of about one CPU-second each, computed by a direct
/// parallel loop and then through the durable engine on Azurite (efficiency = direct / orchestrated), and
/// (b) a fan-out of trivial shards (shards per second). Ratios from one run, not lone absolute times.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var shards = new Option<int>("--shards") { Description = "CPU shards for the efficiency run (default 32 per core).", DefaultValueFactory = _ => 32 * Environment.ProcessorCount };
        var seconds = new Option<double>("--shard-seconds") { Description = "CPU seconds per shard.", DefaultValueFactory = _ => 1.0 };
        var trivial = new Option<int>("--trivial") { Description = "Trivial shards for the fan-out run.", DefaultValueFactory = _ => 2000 };
        var bench = new Command("bench", "Measure efficiency against a direct parallel loop, and trivial fan-out throughput.") { shards, seconds, trivial };
        bench.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(shards), parse.GetValue(seconds), parse.GetValue(trivial), cancellationToken));
        bench.Subcommands.Add(GpuBenchCommand.Create());
        bench.Subcommands.Add(BenchScaleCommand.Create());
        bench.Subcommands.Add(BenchTailCommand.Create());
        return bench;
    }

    private static async Task<int> RunAsync(int cpuShards, double shardSeconds, int trivialShards, CancellationToken cancellationToken)
    {
        var options = CliContext.Options(LogLevel.Warning, runWorker: true);
        var hub = "bench" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

        await using var azurite = await CliContext.StartBenchStorageAsync(options, cancellationToken).ConfigureAwait(false);
        options = options with
        {
            BatchScanInterval = null, // a benchmark's scratch task hub must not start jobs for dropped batches
            Settings = options.Settings with
            {
                StorageConnection = azurite?.ConnectionString ?? options.Settings.StorageConnection,
                Durable = options.Settings.Durable with { HubName = hub },
            },
        };
        var workload = new MonteCarloPiWorkload();
        var samplesPerShard = (long)(Calibrate() * shardSeconds);
        var spec = new JobSpec(workload.Name, new Dictionary<string, JsonElement> { ["samples"] = JsonSerializer.SerializeToElement(samplesPerShard * cpuShards) },
            cpuShards, Math.Min(cpuShards, JobLimits.MaxParallelism), RetrySpec.Default, 0, Seed: 7);

        Console.WriteLine(Describe(options, azurite is null ? "the configured AzureWebJobsStorage" : "Azurite, in memory, started for this run"));
        Console.WriteLine($"(a) montecarlo-pi: {cpuShards} shards x {samplesPerShard:N0} samples (~{shardSeconds:0.##} CPU-s each)");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var direct = Stopwatch.StartNew();
        var directInside = await DirectAsync(workload, spec, cancellationToken).ConfigureAwait(false);
        direct.Stop();
        var directCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"    direct parallel loop ({Environment.ProcessorCount} cores): {direct.Elapsed.TotalSeconds:0.00} s");

        await using var host = await LocalHost.StartAsync(options).ConfigureAwait(false);
        try
        {
            await TimeJobAsync(host.Engine, spec with { Workload = "sleep", Parameters = new Dictionary<string, JsonElement>(), Shards = 4 }, cancellationToken).ConfigureAwait(false); // warm-up
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (orchestrated, status) = await TimeJobAsync(host.Engine, spec, cancellationToken).ConfigureAwait(false);
            var orchestratedCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var orchestratedInside = status.Output?.Result?.GetProperty("inside").GetInt64();
            Console.WriteLine($"    durable engine on Azurite:   {orchestrated.TotalSeconds:0.00} s  (same answer as direct: {(orchestratedInside == directInside ? "yes" : "NO")})");
            Console.WriteLine($"    efficiency = direct / orchestrated = {direct.Elapsed / orchestrated:0.000}");
            Console.WriteLine($"    CPU of this process: direct {directCpu.TotalSeconds:0.0} s, orchestrated {orchestratedCpu.TotalSeconds:0.0} s (of {Environment.ProcessorCount * orchestrated.TotalSeconds:0.0} core-seconds)");

            var trivial = spec with { Workload = "sleep", Parameters = new Dictionary<string, JsonElement>(), Shards = trivialShards, MaxParallelism = JobLimits.MaxParallelism };
            var (fanOut, _) = await TimeJobAsync(host.Engine, trivial, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"(b) trivial fan-out: {trivialShards} shards in {fanOut.TotalSeconds:0.00} s = {trivialShards / fanOut.TotalSeconds:0.0} shards/s");
            return orchestratedInside == directInside ? 0 : 1;
        }
        finally
        {
            await host.Engine.DeleteTaskHubAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Samples per second of one core, so a shard is about the requested CPU time on this machine.</summary>
    private static double Calibrate()
    {
        MonteCarloPiWorkload.CountInside(new MonteCarloPiShard(1_000_000, 1, 0));
        var stopwatch = Stopwatch.StartNew();
        MonteCarloPiWorkload.CountInside(new MonteCarloPiShard(50_000_000, 1, 0));
        return 50_000_000 / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>The same shard function the activity runs, over every shard, on all cores.</summary>
    private static async Task<long> DirectAsync(MonteCarloPiWorkload workload, JobSpec spec, CancellationToken cancellationToken)
    {
        long inside = 0;
        await Parallel.ForAsync(0, spec.Shards, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var partial = await workload.RunShardAsync(new ShardPosition(i, spec.Shards, spec.Seed), spec.Parameters, token).ConfigureAwait(false);
            Interlocked.Add(ref inside, partial.GetProperty("inside").GetInt64());
        }).ConfigureAwait(false);
        return inside;
    }

    /// <summary>
    /// Runs a job and times it from submission to the completion time the engine recorded, so this loop can
    /// poll slowly and stay out of the measurement.
    /// </summary>
    internal static async Task<(TimeSpan Elapsed, JobStatusView Status)> TimeJobAsync(LocalEngine engine, JobSpec spec, CancellationToken cancellationToken)
    {
        var submitted = DateTimeOffset.UtcNow;
        var jobId = await engine.Jobs.StartAsync(spec, cancellationToken).ConfigureAwait(false);
        EngineInstance? instance;
        while ((instance = await engine.Engine.GetAsync(jobId, cancellationToken).ConfigureAwait(false)) is not { IsFinished: true })
        {
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
        }

        var status = await engine.Jobs.GetAsync(jobId, cancellationToken).ConfigureAwait(false);
        return status?.RuntimeStatus == "Completed"
            ? (instance.LastUpdatedAt - submitted, status)
            : throw new InvalidOperationException($"Benchmark job {jobId} ended {status?.Phase}: {status?.Error}");
    }

    internal static string Describe(LocalHostOptions options, string storage)
    {
        var d = options.Settings.Durable;
        var cpu = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() : null;
        return $"Machine: {Environment.ProcessorCount} cores, {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}\n"
            + $"Storage: {storage}\n"
            + $"Engine:  partitions {d.PartitionCount}, activities {d.MaxConcurrentActivityFunctions}, orchestrations {d.MaxConcurrentOrchestratorFunctions}, "
            + $"extended sessions {d.ExtendedSessionsEnabled}, max polling {d.MaxQueuePollingInterval.TotalMilliseconds:0} ms, control batch {d.ControlQueueBatchSize}, "
            + $"shards per orchestration {options.Settings.Engine.ShardsPerOrchestration}";
    }
}
