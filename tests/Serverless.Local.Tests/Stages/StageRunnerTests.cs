using System.Net;
using System.Text.Json;
using Azure.Storage.Blobs;
using Serverless.GpuStage;
using Serverless.Jobs;
using Serverless.Local.Tests.Fixtures;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Local.Tests.Stages;

/// <summary>
/// The stage program's exit code and callback, in process: a tiny view rendered on ILGPU's CPU accelerator against
/// Azurite, and a scripted callback endpoint. The exit code says whether the output was written, whatever the callback met.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StageRunnerTests
{
    private readonly AzuriteFixture _azurite;
    private readonly string _jobId = "runner-" + Guid.NewGuid().ToString("N")[..12];
    private readonly BlobStore _blobs;
    private readonly List<TimeSpan> _delays = [];

    public StageRunnerTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _blobs = new BlobStore(new BlobServiceClient(azurite.ConnectionString));
    }

    [Fact]
    public async Task RunAsync_CallbackTimesOutThenSucceeds_ExitsZeroAfterBackingOff()
    {
        var callback = new ScriptedCallback(Answer.Timeout, Answer.Accepted);

        var exitCode = await RunAsync(callback, writeInput: true);

        Assert.Equal(0, exitCode);
        Assert.Equal(["Succeeded", "Succeeded"], callback.Statuses);
        Assert.Equal([TimeSpan.FromSeconds(1)], _delays);
        Assert.NotNull(await _blobs.GetSizeAsync(JobBlobLayout.GpuOutput(_jobId)));
    }

    [Fact]
    public async Task RunAsync_CallbackAnswers503ThenSucceeds_ExitsZero()
    {
        var callback = new ScriptedCallback(Answer.Unavailable, Answer.Accepted);

        var exitCode = await RunAsync(callback, writeInput: true);

        Assert.Equal(0, exitCode);
        Assert.Equal(2, callback.Statuses.Count);
        Assert.Equal([TimeSpan.FromSeconds(1)], _delays);
    }

    [Fact]
    public async Task RunAsync_Callback429And408AreRetried_403IsFinal()
    {
        var callback = new ScriptedCallback(Answer.Throttled, Answer.RequestTimeout, Answer.Forbidden, Answer.Accepted);

        var exitCode = await RunAsync(callback, writeInput: true);

        Assert.Equal(0, exitCode);
        Assert.Equal(3, callback.Statuses.Count);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], _delays);
    }

    [Fact]
    public async Task RunAsync_CallbackNeverGetsThrough_StillExitsZeroAfterSixAttemptsWithDoublingBackoff()
    {
        var callback = new ScriptedCallback(Answer.Timeout, Answer.Unavailable, Answer.DroppedConnection, Answer.Timeout, Answer.Unavailable, Answer.Timeout);

        var exitCode = await RunAsync(callback, writeInput: true);

        Assert.Equal(0, exitCode);
        Assert.Equal(6, callback.Statuses.Count);
        Assert.Equal([1, 2, 4, 8, 16], _delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public async Task RunAsync_OutputMissingBecauseTheInputIs_ExitsNonZeroAndReportsTheFailure()
    {
        var callback = new ScriptedCallback(Answer.Accepted);

        var exitCode = await RunAsync(callback, writeInput: false);

        Assert.NotEqual(0, exitCode);
        Assert.Equal(["Failed"], callback.Statuses);
        Assert.Null(await _blobs.GetSizeAsync(JobBlobLayout.GpuOutput(_jobId)));
    }

    private async Task<int> RunAsync(ScriptedCallback callback, bool writeInput)
    {
        if (writeInput)
        {
            var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            {
                ["width"] = JsonSerializer.SerializeToElement(16),
                ["height"] = JsonSerializer.SerializeToElement(8),
                ["maxIterations"] = JsonSerializer.SerializeToElement(50),
            };
            var workload = (IGpuStageWorkload)new WorkloadCatalog(WorkloadCatalog.BuiltIn(_blobs)).Get("mandelbrot");
            await _blobs.WriteAsync(JobBlobLayout.GpuInput(_jobId), JobJson.Serialize(workload.PlanStage(parameters)));
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            [StageEnvironment.JobId] = _jobId,
            [StageEnvironment.InputBlob] = JobBlobLayout.GpuInput(_jobId),
            [StageEnvironment.OutputBlob] = JobBlobLayout.GpuOutput(_jobId),
            [StageEnvironment.MetricsBlob] = JobBlobLayout.GpuMetrics(_jobId),
            [StageEnvironment.CallbackUrl] = $"http://callback.invalid/api/jobs/{_jobId}/gpu-stage/callback",
            [StageEnvironment.CallbackSecret] = "s3cr3t",
            [StageEnvironment.Accelerator] = "cpu",
        };
        using var log = new StringWriter();
        Task Delay(TimeSpan wait, CancellationToken cancellationToken)
        {
            _delays.Add(wait);
            return Task.CompletedTask;
        }

        var runner = new StageRunner(name => environment.GetValueOrDefault(name), log, callback, Delay);
        var exitCode = await runner.RunAsync(CancellationToken.None);
        Assert.All(callback.Secrets, s => Assert.Equal("s3cr3t", s));
        return exitCode;
    }

    private enum Answer
    {
        Accepted,
        Unavailable,
        Timeout,
        DroppedConnection,
        Throttled,
        RequestTimeout,
        Forbidden,
    }

    /// <summary>Answers the callback from a script, the last answer repeating, and records what each attempt sent.</summary>
    private sealed class ScriptedCallback(params Answer[] answers) : HttpMessageHandler
    {
        public List<string?> Statuses { get; } = [];

        public List<string?> Secrets { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement;
            Statuses.Add(body.GetProperty("status").GetString());
            Secrets.Add(request.Headers.TryGetValues(StageEnvironment.SecretHeader, out var values) ? values.Single() : null);
            return answers[Math.Min(Statuses.Count, answers.Length) - 1] switch
            {
                Answer.Accepted => new HttpResponseMessage(HttpStatusCode.Accepted),
                Answer.Unavailable => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
                Answer.Throttled => new HttpResponseMessage(HttpStatusCode.TooManyRequests),
                Answer.RequestTimeout => new HttpResponseMessage(HttpStatusCode.RequestTimeout),
                Answer.Forbidden => new HttpResponseMessage(HttpStatusCode.Forbidden),

                // What HttpClient throws when its Timeout passes.
                Answer.Timeout => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 30 seconds elapsing.", new TimeoutException()),
                _ => throw new HttpRequestException("Connection refused"),
            };
        }
    }
}
