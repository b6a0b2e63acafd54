using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Identity;
using Azure.Storage.Blobs;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.GpuStage;

/// <summary>
/// One execution of the stage: read the input blob named by the environment, run its kernel, write the
/// output and metrics blobs, then report to the callback URL. Exit code 0 only when the output is written: a
/// callback that cannot be delivered does not fail the stage, since the orchestrator also polls.
/// </summary>
public sealed class StageRunner
{
    private const int CallbackAttempts = 6;
    private static readonly TimeSpan CallbackTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private readonly Func<string, string?> _environment;
    private readonly TextWriter _log;
    private readonly HttpMessageHandler? _callbackHandler;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    /// <param name="callbackHandler">Sends the callback; null for a plain <see cref="HttpClientHandler"/> (tests pass a fake).</param>
    /// <param name="delay">Waits between callback attempts; <see cref="Task.Delay(TimeSpan, CancellationToken)"/> unless a test passes another.</param>
    public StageRunner(Func<string, string?> environment, TextWriter log, HttpMessageHandler? callbackHandler = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _environment = environment;
        _log = log;
        _callbackHandler = callbackHandler;
        _delay = delay ?? Task.Delay;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        string? error = null;
        try
        {
            var metrics = await RunStageAsync(total, cancellationToken).ConfigureAwait(false);
            Log($"Done on {metrics.AcceleratorType} '{metrics.Accelerator}': kernel {metrics.KernelMilliseconds:0.#} ms, {metrics.BytesOut:N0} bytes out, {total.Elapsed.TotalSeconds:0.##} s in all.");
        }
#pragma warning disable CA1031 // Whatever went wrong is reported to the orchestrator, then the process fails.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"FAILED: {ex}");
        }

        try
        {
            await ReportAsync(error, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log("Stopped while calling back; the orchestrator will find the outcome by polling.");
        }

        return error is null ? 0 : 1;
    }

    private async Task<StageMetrics> RunStageAsync(Stopwatch total, CancellationToken cancellationToken)
    {
        var blobs = StorageFromEnvironment();
        var input = await Blob(blobs, Required(StageEnvironment.InputBlob)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
        var stage = JobJson.Deserialize<StageInput>(input.Value.Content);
        if (stage.Kernel != MandelbrotWorkload.Kernel)
        {
            throw new InvalidDataException($"Unknown kernel '{stage.Kernel}': this program runs '{MandelbrotWorkload.Kernel}'.");
        }

        var view = stage.Parameters.Deserialize<MandelbrotView>(JobJson.Options) ?? throw new InvalidDataException("The stage input has no parameters.");
        var choice = AcceleratorSession.Parse(_environment(StageEnvironment.Accelerator));
        Log($"Job {_environment(StageEnvironment.JobId)}: {view.Width}x{view.Height} at {view.MaxIterations} iterations, accelerator {choice}.");

        using var session = AcceleratorSession.Open(choice);
        Log($"Running on {session.Accelerator.AcceleratorType} '{session.Accelerator.Name}'.");
        var counts = new uint[view.Pixels];
        var kernelTime = MandelbrotKernel.Render(session.Accelerator, view, counts);

        var bytesOut = await UploadCountsAsync(Blob(blobs, Required(StageEnvironment.OutputBlob)), view, counts, cancellationToken).ConfigureAwait(false);
        var metrics = new StageMetrics(session.Accelerator.Name, session.Accelerator.AcceleratorType.ToString(), kernelTime.TotalMilliseconds, total.Elapsed.TotalMilliseconds, input.Value.Content.ToMemory().Length, bytesOut);
        await Blob(blobs, Required(StageEnvironment.MetricsBlob)).UploadAsync(JobJson.Serialize(metrics), overwrite: true, cancellationToken).ConfigureAwait(false);
        return metrics;
    }

    /// <summary>Streams header and counts up in blocks, never a second copy of the whole image in memory.</summary>
    private static async Task<long> UploadCountsAsync(BlobClient blob, MandelbrotView view, uint[] counts, CancellationToken cancellationToken)
    {
        var output = await blob.OpenWriteAsync(overwrite: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (output.ConfigureAwait(false))
        {
            var header = new byte[EscapeCounts.HeaderSize];
            EscapeCounts.WriteHeader(header, view);
            await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            var block = new byte[4 << 20];
            for (long start = 0; start < counts.LongLength; start += block.Length / sizeof(uint))
            {
                var take = (int)Math.Min(block.Length / sizeof(uint), counts.LongLength - start);
                for (var i = 0; i < take; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(i * sizeof(uint)), counts[start + i]);
                }

                await output.WriteAsync(block.AsMemory(0, take * sizeof(uint)), cancellationToken).ConfigureAwait(false);
            }
        }

        return EscapeCounts.Length(view);
    }

    /// <summary>
    /// Tells the orchestrator. A timeout, a dropped connection, a 408, a 429 or a 5xx is retried with exponential
    /// backoff; any other answer is final (another 4xx says the secret is wrong or the job has moved on, which a retry
    /// would not change).
    /// </summary>
    private async Task ReportAsync(string? error, CancellationToken cancellationToken)
    {
        var url = _environment(StageEnvironment.CallbackUrl);
        if (string.IsNullOrEmpty(url))
        {
            Log("No callback URL: the orchestrator learns the outcome by polling.");
            return;
        }

        using var http = _callbackHandler is null ? new HttpClient() : new HttpClient(_callbackHandler, disposeHandler: false);
        http.Timeout = CallbackTimeout;
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url)
                {
                    Content = JsonContent.Create(new GpuStageCallback(error is null ? "Succeeded" : "Failed", error), options: JobJson.Options),
                };
                request.Headers.Add(StageEnvironment.SecretHeader, _environment(StageEnvironment.CallbackSecret));
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                Log($"Callback answered {(int)response.StatusCode}.");
                if (!IsTransient(response.StatusCode))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // HttpClient reports its own timeout as a TaskCanceledException.
                Log($"Callback attempt {attempt} failed: {ex.GetType().Name}: {ex.Message}");
            }

            if (attempt == CallbackAttempts)
            {
                Log("Callback gave up; the orchestrator will find the outcome by polling.");
                return;
            }

            await _delay(backoff, cancellationToken).ConfigureAwait(false);
            backoff *= 2;
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>A connection string locally (AzureWebJobsStorage); in Azure the blob endpoint and the managed identity.</summary>
    private BlobServiceClient StorageFromEnvironment()
    {
        var connectionString = _environment("AzureWebJobsStorage");
        if (!string.IsNullOrEmpty(connectionString))
        {
            return new BlobServiceClient(connectionString);
        }

        var endpoint = _environment("AzureWebJobsStorage__blobServiceUri")
            ?? throw new InvalidOperationException("Set AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__blobServiceUri (with a managed identity).");
        return new BlobServiceClient(new Uri(endpoint), new DefaultAzureCredential());
    }

    /// <summary>The blob at "container/name", the path convention the launchers pass.</summary>
    private static BlobClient Blob(BlobServiceClient service, string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            ? service.GetBlobContainerClient(path[..slash]).GetBlobClient(path[(slash + 1)..])
            : throw new InvalidOperationException($"Blob path '{path}' must look like 'container/name'.");
    }

    private string Required(string name) =>
        _environment(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"The environment variable {name} is not set.");

    private void Log(string message) =>
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {message}"));
}
