using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Api;
using Serverless.Jobs;
using Serverless.Storage;
using Spectre.Console;

namespace Serverless.Local.Commands;

/// <summary><c>run</c>: starts a job on an in-process worker, shows its progress, prints the result and its blobs.</summary>
public static class RunCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(LocalHostOptions options, JsonObject spec, FileInfo? upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        await using var host = await LocalHost.StartAsync(options).ConfigureAwait(false);
        if (upload is not null)
        {
            await UploadAsync(host, upload, $"inputs/{upload.Name}", cancellationToken).ConfigureAwait(false);
        }

        var jobs = host.Engine.Jobs;
        var errors = new ValidationErrors();
        var jobId = await jobs.SubmitAsync(spec.ToJsonString(), errors, cancellationToken).ConfigureAwait(false);
        if (jobId is null)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]Invalid job spec:[/] {errors}");
            return 2;
        }

        var over = spec["input"] is { } input ? input.ToJsonString() : $"{await ShardsAsync(jobs, jobId, cancellationToken).ConfigureAwait(false)} shards";
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Job [bold]{jobId}[/] started: {spec["workload"]} over {over}.");
        JobStatusView status;
        try
        {
            status = await FollowAsync(jobs, jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await jobs.CancelAsync(jobId, CancellationToken.None).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]Canceled job {jobId}.[/]");
            return 130;
        }

        Print(host, status);
        await PrintCostAsync(host, status, cancellationToken).ConfigureAwait(false);
        await DownloadImagesAsync(host, status, Path.Combine(options.Settings.AppRoot, "out", status.InstanceId), cancellationToken).ConfigureAwait(false);
        return status.Phase is nameof(JobResultStatus.Completed) or nameof(JobResultStatus.CompletedWithFailures) ? 0 : 1;
    }

    /// <summary>Streams a local file into a blob (never the whole file in memory).</summary>
    public static async Task UploadAsync(LocalHost host, FileInfo file, string blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(file);
        var source = file.OpenRead();
        await using (source.ConfigureAwait(false))
        {
            var target = await host.Engine.Blobs.OpenWriteAsync(blob, cancellationToken).ConfigureAwait(false);
            await using (target.ConfigureAwait(false))
            {
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }
        }

        Console.WriteLine($"Uploaded {file.Name} ({file.Length:N0} bytes) to {blob}.");
    }

    /// <summary>Turns <c>k=v</c> pairs into JSON values: numbers and booleans as such, anything else as a string.</summary>
    public static JsonObject Parameters(IEnumerable<string> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var parameters = new JsonObject();
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--param '{pair}' must look like name=value.");
            }

            var value = pair[(equals + 1)..];
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(value);
            }
            catch (JsonException)
            {
                node = JsonValue.Create(value);
            }

            parameters[pair[..equals]] = node;
        }

        return parameters;
    }

    /// <summary>The job's shard count as its status reports it: a spec without <c>shards</c> gets the workload's default.</summary>
    private static async Task<int?> ShardsAsync(JobService jobs, string jobId, CancellationToken cancellationToken) =>
        (await jobs.GetAsync(jobId, cancellationToken).ConfigureAwait(false))?.Shards;

    private static async Task<JobStatusView> FollowAsync(JobService jobs, string jobId, CancellationToken cancellationToken)
    {
        JobStatusView? status = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var bar = progress.AddTask("Pending");
                while (true)
                {
                    status = await jobs.GetAsync(jobId, cancellationToken).ConfigureAwait(false);
                    if (status?.CustomStatus is { } counts)
                    {
                        bar.MaxValue = Math.Max(1, counts.TotalShards);
                        bar.Value = counts.CompletedShards;
                        bar.Description = counts.FailedShards > 0 ? $"{status.Phase} ({counts.FailedShards} failed)" : status.Phase;
                    }

                    if (status?.IsFinished == true)
                    {
                        bar.Value = bar.MaxValue;
                        return;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        return status!;
    }

    /// <summary>Copies the PNGs a result names (mandelbrot's image and preview) to ./out/{jobId}/ so they can be opened.</summary>
    private static async Task DownloadImagesAsync(LocalHost host, JobStatusView status, string folder, CancellationToken cancellationToken)
    {
        if (status.Output?.Result is not { ValueKind: JsonValueKind.Object } result)
        {
            return;
        }

        foreach (var property in result.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { } path
                && path.StartsWith(JobBlobLayout.Folder(status.InstanceId), StringComparison.Ordinal) && path.EndsWith(".png", StringComparison.Ordinal))
            {
                var content = await host.Engine.Blobs.ReadAsync(path, cancellationToken).ConfigureAwait(false);
                if (content is not null)
                {
                    Directory.CreateDirectory(folder);
                    var file = Path.Combine(folder, Path.GetFileName(path));
                    await File.WriteAllBytesAsync(file, content.ToArray(), cancellationToken).ConfigureAwait(false);
                    Console.WriteLine($"{property.Name,-14} {file}");
                }
            }
        }
    }

    /// <summary>One line from the manifest's cost: the estimate and what it rests on.</summary>
    private static async Task PrintCostAsync(LocalHost host, JobStatusView status, CancellationToken cancellationToken)
    {
        var content = await host.Engine.Blobs.ReadAsync(status.Blobs.Manifest, cancellationToken).ConfigureAwait(false);
        if (content is null || JobJson.Deserialize<JobManifest>(content).Cost is not { } cost)
        {
            return;
        }

        var requests = cost.StorageRequests.Values.Sum();
        var engine = cost.EstimatedEngineRequests.Values.Sum();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Cost ≈ {cost.Estimate.Total:0.######} {cost.Estimate.Currency} ({cost.ActivitySeconds:0.###} activity-s, {cost.CpuSeconds:0.###} CPU-s, {cost.GpuSeconds:0.###} GPU-s, {cost.ActivityCalls:N0} calls, {requests:N0} storage requests + {engine:N0} engine requests estimated; prices as of {cost.Estimate.PricesAsOf})"));
    }

    private static void Print(LocalHost host, JobStatusView status)
    {
        var color = status.Phase == nameof(JobResultStatus.Completed) ? "green" : status.Phase == nameof(JobResultStatus.CompletedWithFailures) ? "yellow" : "red";
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[{color}]{status.Phase}[/] job {status.InstanceId}");
        if (status.Error is not null)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[{color}]{status.Error}[/]");
        }

        if (status.Output?.Result is { } result)
        {
            AnsiConsole.WriteLine(JsonSerializer.Serialize(result, Indented));
        }

        if (status.Blobs.Result is not null)
        {
            Console.WriteLine($"Result blob:   {host.BlobUrl(status.Blobs.Result)}");
        }

        Console.WriteLine($"Manifest blob: {host.BlobUrl(status.Blobs.Manifest)}");
        Console.WriteLine($"Shard blobs:   {host.BlobUrl(status.Blobs.Shards)}");
    }
}
