using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.Costs;
using Serverless.Jobs;
using Serverless.Local.Storage;
using Serverless.Storage;

namespace Serverless.Local.Commands;

/// <summary>
/// <c>bench scale</c>: trivial fan-out jobs of growing size in one run, each on a fresh task hub, with what each
/// shard costs: storage requests by service and kind, history bytes, the host's peak memory and Azurite's CPU.
/// A flat cost per shard shows as a rate that does not fall with size.
/// </summary>
public static class BenchScaleCommand
{
    public static Command Create()
    {
        var sizes = new Option<string>("--sizes") { Description = "Shard counts, comma-separated.", DefaultValueFactory = _ => "1000,10000,100000" };
        var timeout = new Option<int>("--timeout-minutes") { Description = "Each job fails the benchmark when it takes longer.", DefaultValueFactory = _ => 60 };
        var command = new Command("scale", "Trivial fan-out at growing sizes: shards/s, storage requests, history bytes and memory per shard.") { sizes, timeout };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(sizes)!, TimeSpan.FromMinutes(parse.GetValue(timeout)), cancellationToken));
        return command;
    }

    private sealed record Measurement(
        int Shards,
        TimeSpan Elapsed,
        IReadOnlyDictionary<StorageRequestKind, long> Requests,
        long HistoryBytes,
        long PeakRssBytes,
        IReadOnlyList<TimeSpan>? AzuriteCpu,
        JobCost Cost)
    {
        public double Rate => Shards / Elapsed.TotalSeconds;

        public double PerShard(long value) => (double)value / Shards;
    }

    private static async Task<int> RunAsync(string sizesText, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (ParseSizes(sizesText) is not { } sizes)
        {
            await Console.Error.WriteLineAsync($"--sizes: expected comma-separated shard counts from 1 to {JobLimits.MaxShards:N0}, got '{sizesText}'.").ConfigureAwait(false);
            return 2;
        }

        var options = CliContext.Options(LogLevel.Warning, runWorker: true);
        await using var azurite = await CliContext.StartBenchStorageAsync(options, cancellationToken).ConfigureAwait(false);
        var connectionString = azurite?.ConnectionString ?? options.Settings.StorageConnection!;
        var counter = new StorageRequestCounter();
        var stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        Console.WriteLine(BenchCommand.Describe(options, azurite is null ? "the configured AzureWebJobsStorage" : "Azurite, in memory, started for this run"));
        Console.WriteLine($"Jobs: sleep, 0 ms a shard, maxParallelism {JobLimits.MaxParallelism}; sizes {string.Join(", ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))}; each on its own task hub");

        var results = new List<Measurement>();
        foreach (var size in sizes)
        {
            // One task hub per size: every size starts on empty history and queues, not on what smaller ones left,
            // and deleting it afterwards frees the emulator's memory.
            var hostOptions = options with
            {
                BatchScanInterval = null,
                StorageRequests = counter,
                Settings = options.Settings with
                {
                    StorageConnection = connectionString,
                    Durable = options.Settings.Durable with { HubName = $"scale{stamp}n{size}" },
                },
            };
            try
            {
                var measurement = await MeasureAsync(hostOptions, connectionString, size, counter, azurite, timeout, cancellationToken).ConfigureAwait(false);
                results.Add(measurement);
                Console.WriteLine($"  {size:N0} shards in {measurement.Elapsed.TotalSeconds:0.00} s = {measurement.Rate:0.0} shards/s");
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"bench scale: the {size:N0}-shard job failed: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        Console.WriteLine();
        Console.WriteLine(Report(results));
        return 0;
    }

    private static async Task<Measurement> MeasureAsync(LocalHostOptions options, string connectionString, int size, StorageRequestCounter counter, AzuriteProcess? azurite, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var hub = options.Settings.Durable.HubName;
        var spec = new JobSpec("sleep", new Dictionary<string, JsonElement> { ["milliseconds"] = JsonSerializer.SerializeToElement(0) }, size, JobLimits.MaxParallelism, RetrySpec.Default, 0, Seed: 0);
        await using var host = await LocalHost.StartAsync(options).ConfigureAwait(false);
        try
        {
            // Creating the hub's tables and queues and the first job's JIT are not what is measured.
            await BenchCommand.TimeJobAsync(host.Engine, spec with { Shards = 4 }, cancellationToken).ConfigureAwait(false);
            GC.Collect();
            ResetPeakRss();
            counter.Reset();
            var cpuBefore = AzuriteCpu(azurite);

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            (TimeSpan Elapsed, Api.JobStatusView Status) run;
            try
            {
                run = await BenchCommand.TimeJobAsync(host.Engine, spec, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"it did not finish within {timeout.TotalMinutes:0} minutes.");
            }

            var requests = counter.Snapshot();
            var cpuAfter = AzuriteCpu(azurite);
            var peak = PeakRss();
            var ran = run.Status.Output?.Result?.GetProperty("shards").GetInt64();
            if (ran != size)
            {
                throw new InvalidOperationException($"job {run.Status.InstanceId} reports {ran} shards run, not {size}.");
            }

            var historyBytes = await HistoryBytesAsync(connectionString, hub, run.Status.InstanceId, cancellationToken).ConfigureAwait(false);
            var manifest = await host.Engine.Blobs.ReadAsync(run.Status.Blobs.Manifest, cancellationToken).ConfigureAwait(false);
            var cost = JobJson.Deserialize<JobManifest>(manifest ?? throw new InvalidOperationException($"job {run.Status.InstanceId} wrote no manifest.")).Cost
                ?? throw new InvalidOperationException($"job {run.Status.InstanceId}'s manifest has no cost.");
            return new Measurement(size, run.Elapsed, requests, historyBytes, peak, cpuBefore is null ? null : [.. cpuAfter!.Zip(cpuBefore, (after, before) => after - before)], cost);
        }
        finally
        {
            await host.Engine.DeleteTaskHubAsync().ConfigureAwait(false);
        }
    }

    private static async Task<long> HistoryBytesAsync(string connectionString, string hub, string jobId, CancellationToken cancellationToken)
    {
        long bytes = 0;
        await foreach (var entry in TaskHubHistory.ReadAsync(connectionString, hub, jobId, withText: false, cancellationToken).ConfigureAwait(false))
        {
            bytes += entry.Bytes;
        }

        return bytes;
    }

    /// <summary>Clears the kernel's high-water mark of this process's resident memory (Linux), so each job's peak is its own.</summary>
    private static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: the peak then counts from the process's start.
        }
    }

    private static long PeakRss()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    private static TimeSpan[]? AzuriteCpu(AzuriteProcess? azurite)
    {
        if (azurite is null)
        {
            return null;
        }

        return [.. azurite.ProcessIds.Select(id =>
        {
            using var process = Process.GetProcessById(id);
            return process.TotalProcessorTime;
        })];
    }

    private static int[]? ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sizes = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) || size < 1 || size > JobLimits.MaxShards)
            {
                return null;
            }

            sizes.Add(size);
        }

        return sizes.Count == 0 ? null : [.. sizes];
    }

    /// <summary>Markdown tables (for BENCHMARKS.md): one row a size, then requests per shard by kind, then the rate ratio.</summary>
    private static string Report(IReadOnlyList<Measurement> results)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| shards | time | **shards/s** | storage requests / shard | history bytes / shard | host peak RSS | Azurite CPU-s (blob / queue / table) |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var m in results)
        {
            var cpu = m.AzuriteCpu is null ? "—" : string.Join(" / ", m.AzuriteCpu.Select(t => t.TotalSeconds.ToString("0.0", c)));
            text.AppendLine(c, $"| {m.Shards:N0} | {m.Elapsed.TotalSeconds:0.00} s | **{m.Rate:0.0}** | {m.PerShard(m.Requests.Values.Sum()):0.00} | {m.PerShard(m.HistoryBytes):N0} | {m.PeakRssBytes / (1024.0 * 1024):0} MiB | {cpu} |");
        }

        text.AppendLine();
        text.AppendLine(c, $"| requests / shard | {string.Join(" | ", results.Select(m => m.Shards.ToString("N0", c)))} |");
        text.AppendLine(c, $"| --- |{string.Concat(results.Select(_ => " --- |"))}");
        foreach (var kind in Enum.GetValues<StorageRequestKind>().Where(k => results.Any(m => m.Requests[k] > 0)))
        {
            var (service, name) = StorageRequests.Describe(kind);
            text.AppendLine(c, $"| {service} {name} | {string.Join(" | ", results.Select(m => m.PerShard(m.Requests[kind]).ToString("0.000", c)))} |");
        }

        // What EngineRequestRates is fitted to: everything counted but the job's own blob requests, against its calls and orchestrations.
        text.AppendLine();
        text.AppendLine(c, $"| engine requests (counted − the job's own) | {string.Join(" | ", results.Select(m => m.Shards.ToString("N0", c)))} |");
        text.AppendLine(c, $"| --- |{string.Concat(results.Select(_ => " --- |"))}");
        text.AppendLine(c, $"| activity calls | {string.Join(" | ", results.Select(m => m.Cost.ActivityCalls.ToString("N0", c)))} |");
        text.AppendLine(c, $"| orchestrations | {string.Join(" | ", results.Select(m => m.Cost.Orchestrations.ToString("N0", c)))} |");
        foreach (var kind in Enum.GetValues<StorageRequestKind>().Where(k => results.Any(m => m.Requests[k] > 0)))
        {
            var name = StorageRequests.Name(kind);
            text.AppendLine(c, $"| {name} | {string.Join(" | ", results.Select(m => (m.Requests[kind] - m.Cost.StorageRequests.GetValueOrDefault(name)).ToString("N0", c)))} |");
        }

        var smallest = results.MinBy(m => m.Shards)!;
        var largest = results.MaxBy(m => m.Shards)!;
        text.AppendLine();
        text.Append(c, $"Rate at {largest.Shards:N0} shards / rate at {smallest.Shards:N0} shards = **{largest.Rate / smallest.Rate:0.00}** (1.00 is a flat cost per shard). ");
        text.Append("Requests include the engine's own polling and lease renewals while each job ran.");
        return text.ToString();
    }
}
