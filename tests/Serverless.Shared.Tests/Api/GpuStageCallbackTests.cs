using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Serverless.Api;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Api;

public sealed class GpuStageCallbackTests : IDisposable
{
    private const string JobId = "fedcba9876543210fedcba9876543210";
    private const string Secret = "Zm9vYmFyLXNlY3JldC1mb3ItdGhlLXRlc3Qtb25seQ";
    private const string ProblemJson = "application/problem+json";
    private static readonly DateTimeOffset Created = new(2025, 6, 7, 8, 9, 10, TimeSpan.Zero);
    private readonly Mock<DurableTaskClient> _client = new("test") { CallBase = true };
    private readonly InMemoryBlobStore _blobs = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().BuildServiceProvider();
    private readonly JobService _jobs;
    private readonly DefaultHttpContext _http;

    public GpuStageCallbackTests()
    {
        _jobs = new JobService(new DurableClientEngine(_client.Object), new InMemoryJobIndex(), _blobs, new JobSpecParser(new WorkloadCatalog(WorkloadCatalog.BuiltIn(_blobs))), new JobEngineOptions(), TimeProvider.System);
        _http = new DefaultHttpContext { RequestServices = _services };
        _http.Request.Method = "POST";
        _http.Response.Body = new MemoryStream();
        _client
            .Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);
    }

    public void Dispose() => _services.Dispose();

    private static string Sha256Hex(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static OrchestrationMetadata Job(OrchestrationRuntimeStatus status) =>
        new(nameof(JobOrchestrator), JobId)
        {
            RuntimeStatus = status,
            CreatedAt = Created,
            LastUpdatedAt = Created.AddMinutes(1),
            SerializedInput = JsonDataConverter.Default.Serialize(new JobInput(new JobSpec("mandelbrot", new Dictionary<string, JsonElement>(StringComparer.Ordinal), 4, 4, Specs.FastRetry(), 0, 0), 500, new GpuStageSettings(30, 3600))),
            DataConverter = JsonDataConverter.Default,
        };

    private void GivenInstance(OrchestrationMetadata? metadata) =>
        _client.Setup(c => c.GetInstancesAsync(JobId, It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(metadata);

    private async Task GivenLaunchRecordAsync(string secretSha256) =>
        await _blobs.WriteAsync(JobBlobLayout.GpuLaunch(JobId), JobJson.Serialize(new GpuStageLaunchRecord("gpu-stage-abc12", secretSha256, Created)));

    private void GivenRequest(string body, string? secret)
    {
        _http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        _http.Request.ContentType = "application/json";
        if (secret is not null)
        {
            _http.Request.Headers[StageEnvironment.SecretHeader] = secret;
        }
    }

    private async Task<JsonElement> ExecuteAsync(IResult result)
    {
        await result.ExecuteAsync(_http);
        var body = (MemoryStream)_http.Response.Body;
        if (body.Length == 0)
        {
            return default;
        }

        using var document = JsonDocument.Parse(body.ToArray());
        return document.RootElement.Clone();
    }

    private async Task<JsonElement> PostAsync() => await ExecuteAsync(await JobsApi.CompleteGpuStageAsync(_http.Request, _jobs, JobId));

    private void VerifyNoEventRaised() =>
        _client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);

    [Fact]
    public async Task CompleteGpuStageAsync_UnknownJob_Returns404ProblemAndRaisesNothing()
    {
        // Arrange
        GivenInstance(null);
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest("""{ "status": "Succeeded" }""", Secret);

        // Act
        var body = await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal("Job not found.", body.GetProperty("title").GetString());
        VerifyNoEventRaised();
    }

    [Fact]
    public async Task CompleteGpuStageAsync_SubOrchestrationId_Returns404Problem()
    {
        // Arrange: a range orchestration is not a job, even under the job's id.
        GivenInstance(new OrchestrationMetadata(nameof(ShardRangeOrchestrator), JobId) { RuntimeStatus = OrchestrationRuntimeStatus.Running, DataConverter = JsonDataConverter.Default });
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest("""{ "status": "Succeeded" }""", Secret);

        // Act
        var body = await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal("Job not found.", body.GetProperty("title").GetString());
        VerifyNoEventRaised();
    }

    [Fact]
    public async Task CompleteGpuStageAsync_JobWithoutLaunchRecord_Returns404ProblemSayingNoStage()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        GivenRequest("""{ "status": "Succeeded" }""", Secret);

        // Act
        var body = await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal("The job has no GPU stage.", body.GetProperty("title").GetString());
        VerifyNoEventRaised();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task CompleteGpuStageAsync_NoSecret_Returns401ProblemNamingTheHeader(string? secret)
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest("""{ "status": "Succeeded" }""", secret);

        // Act
        var body = await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status401Unauthorized, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Contains("X-Stage-Secret", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        VerifyNoEventRaised();
    }

    [Theory]
    [InlineData("not-the-secret")]
    [InlineData(Secret + "x")]
    [InlineData("zm9vYmFyLXNlY3JldC1mb3ItdGhlLXRlc3Qtb25seQ")]
    public async Task CompleteGpuStageAsync_WrongSecret_Returns403ProblemAndRaisesNothing(string secret)
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest("""{ "status": "Succeeded" }""", secret);

        // Act
        var body = await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status403Forbidden, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal(403, body.GetProperty("status").GetInt32());
        VerifyNoEventRaised();
    }

    [Theory]
    [InlineData("""{ "status": "Succeeded" }""", true, null)]
    [InlineData("""{ "status": "Failed", "error": "CUDA error: an illegal memory access was encountered" }""", false, "CUDA error: an illegal memory access was encountered")]
    public async Task CompleteGpuStageAsync_RightSecretOnRunningJob_Returns202AndRaisesTheSignalOnce(string json, bool succeeded, string? error)
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest(json, Secret);

        // Act
        await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status202Accepted, _http.Response.StatusCode);
        _client.Verify(
            c => c.RaiseEventAsync(JobId, "GpuStageCompleted", It.Is<object?>(p => Equals(p, new GpuStageSignal(succeeded, error))), It.IsAny<CancellationToken>()),
            Times.Once);
        _client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData("""{ "status": "Failed" }""")]
    [InlineData("""{ "status": "Failed", "error": "  " }""")]
    public async Task CompleteGpuStageAsync_FailedWithoutError_RaisesAFailureWithAReason(string json)
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest(json, Secret);
        GpuStageSignal? raised = null;
        _client
            .Setup(c => c.RaiseEventAsync(JobId, GpuStageSignal.EventName, It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Callback((string _, string _, object? payload, CancellationToken _) => raised = payload as GpuStageSignal)
            .Returns(Task.CompletedTask);

        // Act
        await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status202Accepted, _http.Response.StatusCode);
        Assert.NotNull(raised);
        Assert.False(raised.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(raised.Error));
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Failed)]
    [InlineData(OrchestrationRuntimeStatus.Terminated)]
    public async Task CompleteGpuStageAsync_FinishedJob_Returns409ProblemAndRaisesNothing(OrchestrationRuntimeStatus status)
    {
        // Arrange
        GivenInstance(Job(status));
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest("""{ "status": "Succeeded" }""", Secret);

        // Act
        var body = await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status409Conflict, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal(409, body.GetProperty("status").GetInt32());
        VerifyNoEventRaised();
    }

    [Theory]
    [InlineData("""{ "status": "Done" }""", "status")]
    [InlineData("""{ "error": "no status" }""", "status")]
    [InlineData("""{ "status": 1 }""", "$")]
    [InlineData("{ not json", "$")]
    public async Task CompleteGpuStageAsync_BadBody_Returns400ProblemNamingTheField(string json, string field)
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest(json, Secret);

        // Act
        var body = await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal([field], body.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        VerifyNoEventRaised();
    }

    [Fact]
    public async Task CompleteGpuStageAsync_BadBodyWithoutSecret_Returns401BeforeLookingAtTheBody()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        await GivenLaunchRecordAsync(Sha256Hex(Secret));
        GivenRequest("{ not json", secret: null);

        // Act
        await PostAsync();

        // Assert
        Assert.Equal(StatusCodes.Status401Unauthorized, _http.Response.StatusCode);
        VerifyNoEventRaised();
    }
}
