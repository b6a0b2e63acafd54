using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Api;
using Serverless.Jobs;
using Serverless.Local.Configuration;
using Serverless.Local.Stages;
using Serverless.Stages;
using Serverless.Workloads;

namespace Serverless.Local.Tests.Fixtures;

/// <summary>
/// A local host on its own task hub (so tests never see each other's jobs), serving HTTP on a free port,
/// with the built-in workloads plus <see cref="FlakyWorkload"/> and two test item workloads. A GPU stage is polled every second and
/// given two minutes unless a test asks otherwise; it runs the stage program built beside the tests unless a
/// test passes another command.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    private TestHost(LocalHost host, string hubName, FlakyWorkload flaky, LineSummaryWorkload lineSummary, OnceFlakyItemWorkload onceFlaky)
    {
        Host = host;
        HubName = hubName;
        Flaky = flaky;
        LineSummary = lineSummary;
        OnceFlaky = onceFlaky;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public LocalHost Host { get; }

    public string HubName { get; }

    public FlakyWorkload Flaky { get; }

    /// <summary>The item workloads the tests add: <see cref="LineSummaryWorkload"/> and <see cref="OnceFlakyItemWorkload"/>.</summary>
    public LineSummaryWorkload LineSummary { get; }

    public OnceFlakyItemWorkload OnceFlaky { get; }

    public HttpClient Http { get; }

    public BlobContainerClient Results => new BlobServiceClient(Host.ConnectionString).GetBlobContainerClient("results");

    public static string NewHubName() => "test" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<TestHost> StartAsync(
        AzuriteFixture azurite,
        string? hubName = null,
        int shardsPerOrchestration = 50,
        bool serveHttp = true,
        double gpuPollSeconds = 1,
        double gpuTimeoutSeconds = 120,
        LocalStageCommand? stageCommand = null,
        TimeSpan? batchScanInterval = null,
        TimeSpan? visibilityTimeout = null)
    {
        var settings = LocalSettings.Load(AzuriteFixture.AppRoot);
        settings = settings with
        {
            StorageConnection = azurite.ConnectionString,
            Durable = settings.Durable with
            {
                HubName = hubName ?? NewHubName(),
                WorkItemQueueVisibilityTimeout = visibilityTimeout ?? settings.Durable.WorkItemQueueVisibilityTimeout,
                ControlQueueVisibilityTimeout = visibilityTimeout ?? settings.Durable.ControlQueueVisibilityTimeout,
            },
            Engine = settings.Engine with
            {
                ShardsPerOrchestration = shardsPerOrchestration,
                GpuStage = new GpuStageSettings(gpuPollSeconds, gpuTimeoutSeconds),
            },
        };
        var flaky = new FlakyWorkload();
        var lineSummary = new LineSummaryWorkload();
        var onceFlaky = new OnceFlakyItemWorkload();
        var options = new LocalHostOptions(settings, blobs => new WorkloadCatalog([.. WorkloadCatalog.BuiltIn(blobs), flaky, lineSummary, onceFlaky]), NullLoggerFactory.Instance)
        {
            HttpUrl = serveHttp ? "http://127.0.0.1:0" : null,
            StageCommand = stageCommand ?? LocalStageCommand.Default,
            // Off unless a test asks: every test shares one Azurite, and a scan would start other tests' batches.
            BatchScanInterval = batchScanInterval,
        };
        return new TestHost(await LocalHost.StartAsync(options), settings.Durable.HubName, flaky, lineSummary, onceFlaky);
    }

    public async Task<JobLinks> SubmitAsync(object spec)
    {
        using var response = await Http.PostAsJsonAsync("api/jobs", spec);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobLinks>(JobJson.Options))!;
    }

    public async Task<JsonElement> GetStatusAsync(string jobId) =>
        await Http.GetFromJsonAsync<JsonElement>($"api/jobs/{jobId}");

    /// <summary>Polls the status route until the job has finished, and returns its last status.</summary>
    public Task<JsonElement> WaitAsync(string jobId, TimeSpan? timeout = null) =>
        JobPolling.WaitForAsync(Http, jobId, JobPolling.IsFinished, timeout ?? TimeSpan.FromSeconds(120));

    public async Task<T> ReadBlobAsync<T>(string path) => JobJson.Deserialize<T>(await ReadBlobBytesAsync(path));

    /// <summary>The blob at <paramref name="path"/> ("results/..."), which must exist.</summary>
    public async Task<BinaryData> ReadBlobBytesAsync(string path) =>
        (await Results.GetBlobClient(BlobName(path)).DownloadContentAsync()).Value.Content;

    public async Task<bool> BlobExistsAsync(string path) =>
        (await Results.GetBlobClient(BlobName(path)).ExistsAsync()).Value;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }

    private static string BlobName(string path)
    {
        Assert.StartsWith("results/", path, StringComparison.Ordinal);
        return path["results/".Length..];
    }
}
