using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.Jobs;
using Serverless.Local.Engine;
using Serverless.Workloads;

namespace Serverless.Local.Commands;

/// <summary>
/// <c>bench tail</c>: what stragglers cost a job and how much speculation wins back. In one run, on one host and
/// task hub: a sleep job without slow executions (the baseline), the same job with a share of slow executions and
/// speculation off, then with speculation on (last, because its losers keep running after it ends).
/// </summary>
public static class BenchTailCommand
{
    public const double Target = 1.3;

    public static Command Create()
    {
        var shards = new Option<int>("--shards") { DefaultValueFactory = _ => 400 };
        var parallel = new Option<int>("--parallel") { Description = "maxParallelism of each job.", DefaultValueFactory = _ => 50 };
        var milliseconds = new Option<int>("--milliseconds") { Description = "What a shard sleeps.", DefaultValueFactory = _ => 500 };
        var slowPercent = new Option<double>("--slow-percent") { Description = "Executions that are slow, in percent.", DefaultValueFactory = _ => 2 };
        var slowMilliseconds = new Option<int>("--slow-milliseconds") { Description = "What a slow execution sleeps.", DefaultValueFactory = _ => 30_000 };
        var seed = new Option<long>("--seed") { Description = "Decides which executions are slow.", DefaultValueFactory = _ => 1 };
        var command = new Command("tail", "Stragglers: a job with slow executions, speculation off and on, against the same job without them.")
        {
            shards, parallel, milliseconds, slowPercent, slowMilliseconds, seed,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var baseline = new JobSpec(
                "sleep",
                new Dictionary<string, JsonElement> { ["milliseconds"] = JsonSerializer.SerializeToElement(parse.GetValue(milliseconds)) },
                parse.GetValue(shards),
                parse.GetValue(parallel),
                RetrySpec.Default,
                0,
                parse.GetValue(seed));
            return RunAsync(baseline, parse.GetValue(slowPercent), parse.GetValue(slowMilliseconds), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(JobSpec baseline, double slowPercent, int slowMilliseconds, CancellationToken cancellationToken)
    {
        var options = CliContext.Options(LogLevel.Warning, runWorker: true);
        // Room for every shard the job allows at once and a backup beside each: what is measured is the job's tail,
        // not stragglers crowding the host's activity slots (sleeping shards cost no CPU).
        var durable = options.Settings.Durable;
        durable = durable with { MaxConcurrentActivityFunctions = Math.Max(durable.MaxConcurrentActivityFunctions, 2 * baseline.MaxParallelism) };
        await using var azurite = await CliContext.StartBenchStorageAsync(options, cancellationToken).ConfigureAwait(false);
        options = options with
        {
            BatchScanInterval = null,
            Settings = options.Settings with
            {
                StorageConnection = azurite?.ConnectionString ?? options.Settings.StorageConnection,
                Durable = durable with { HubName = "tail" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) },
            },
        };

        var slowParameters = new Dictionary<string, JsonElement>(baseline.Parameters)
        {
            ["slowExecutionPercent"] = JsonSerializer.SerializeToElement(slowPercent),
            ["slowMilliseconds"] = JsonSerializer.SerializeToElement(slowMilliseconds),
        };
        var slow = baseline with { Parameters = slowParameters };
        var slowFirst = Enumerable.Range(0, baseline.Shards).Count(i => SleepWorkload.IsSlowExecution(slowPercent, new ShardPosition(i, baseline.Shards, baseline.Seed)));
        Console.WriteLine(BenchCommand.Describe(options, azurite is null ? "the configured AzureWebJobsStorage" : "Azurite, in memory, started for this run"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Jobs: sleep, {baseline.Shards} shards of {baseline.Parameters["milliseconds"]} ms, maxParallelism {baseline.MaxParallelism}; slow runs: {slowPercent}% of executions sleep {slowMilliseconds} ms ({slowFirst} first executions of seed {baseline.Seed})"));

        await using var host = await LocalHost.StartAsync(options).ConfigureAwait(false);
        try
        {
            // The hub's tables and queues and the first job's JIT are not what is measured.
            await BenchCommand.TimeJobAsync(host.Engine, baseline with { Shards = 4 }, cancellationToken).ConfigureAwait(false);
            var without = await MeasureAsync(host.Engine, "without slow executions", baseline, cancellationToken).ConfigureAwait(false);
            var off = await MeasureAsync(host.Engine, "slow, speculation off", slow with { Speculation = SpeculationMode.Off }, cancellationToken).ConfigureAwait(false);
            var on = await MeasureAsync(host.Engine, "slow, speculation auto", slow, cancellationToken).ConfigureAwait(false);
            var ratio = on.TotalSeconds / without.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"speculation auto / without = {ratio:0.00}x (target at most {Target:0.0}x: {(ratio <= Target ? "met" : "MISSED")}); speculation off / without = {off.TotalSeconds / without.TotalSeconds:0.00}x"));
            return 0;
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"bench tail: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await host.Engine.DeleteTaskHubAsync().ConfigureAwait(false);
        }
    }

    private static async Task<TimeSpan> MeasureAsync(LocalEngine engine, string name, JobSpec spec, CancellationToken cancellationToken)
    {
        var (elapsed, status) = await BenchCommand.TimeJobAsync(engine, spec, cancellationToken).ConfigureAwait(false);
        var manifest = JobJson.Deserialize<JobManifest>(await engine.Blobs.ReadAsync(status.Blobs.Manifest, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"job {status.InstanceId} has no manifest."));
        if (manifest.SucceededShards != spec.Shards)
        {
            throw new InvalidOperationException($"job {status.InstanceId} ({name}) succeeded on {manifest.SucceededShards} of {spec.Shards} shards.");
        }

        var speculation = manifest.Speculation ?? new SpeculationSummary(0, 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-26} {elapsed.TotalSeconds,6:0.00} s   backups launched {speculation.Launched}, won {speculation.Won}"));
        return elapsed;
    }
}
