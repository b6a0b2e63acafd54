using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Engine;
using Serverless.Costs;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads.Mandelbrot;
using SkiaSharp;

namespace Serverless.Tests.Orchestration;

/// <summary>One in-process Durable Task host with the GPU stage's activities and a scripted fake launcher.</summary>
public sealed class GpuStageHostFixture : IAsyncLifetime
{
    public GpuStageHostFixture()
    {
        Launcher = new FakeStageLauncher(Blobs);
    }

    public InMemoryBlobStore Blobs { get; } = new();

    public FakeStageLauncher Launcher { get; }

    public DurableTaskTestHost Host { get; private set; } = null!;

    public DurableTaskClient Client => Host.Client;

    public async Task InitializeAsync()
    {
        Host = await DurableTaskTestHost.StartAsync(
            tasks => tasks.AddJobTasks(),
            new DurableTaskTestHostOptions
            {
                ConfigureServices = services =>
                {
                    services.AddSingleton(Specs.Catalog(blobs: Blobs));
                    services.AddSingleton<IBlobStore>(Blobs);
                    services.AddSingleton(TimeProvider.System);
                    services.AddSingleton(new CostPrices());
                    services.AddJobActivities();
                    services.AddSingleton<IStageLauncher>(Launcher);
                    services.AddSingleton(new StageCallbackOptions(null));
                },
            });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// The GPU stage inside a real job orchestration: completion by callback or by polling, failures reported by
/// either, the deadline, and unusable output. Polls every second, so each case takes a second or a few.
/// </summary>
public sealed class GpuStageTests : IClassFixture<GpuStageHostFixture>
{
    private static readonly MandelbrotView View = new(64, 48, -0.75, 0.1, 3, 100);
    private readonly GpuStageHostFixture _fixture;

    public GpuStageTests(GpuStageHostFixture fixture)
    {
        _fixture = fixture;
    }

    private static JobSpec Spec => new(
        "mandelbrot",
        new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["width"] = JsonSerializer.SerializeToElement(View.Width),
            ["height"] = JsonSerializer.SerializeToElement(View.Height),
            ["centerX"] = JsonSerializer.SerializeToElement(View.CenterX),
            ["centerY"] = JsonSerializer.SerializeToElement(View.CenterY),
            ["scale"] = JsonSerializer.SerializeToElement(View.Scale),
            ["maxIterations"] = JsonSerializer.SerializeToElement(View.MaxIterations),
        },
        Shards: 4,
        MaxParallelism: 4,
        Specs.FastRetry(),
        ToleratedFailurePercent: 0,
        Seed: 0);

    /// <summary>Scripts the job's fake execution and starts the job; returns its id.</summary>
    private async Task<string> StartJobAsync(FakeStageScript script, double timeoutSeconds)
    {
        var jobId = Guid.NewGuid().ToString("N");
        _fixture.Launcher.Script(jobId, script);
        await _fixture.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(JobOrchestrator), new JobInput(Spec, 500, new GpuStageSettings(PollIntervalSeconds: 1, TimeoutSeconds: timeoutSeconds)), new StartOrchestrationOptions(jobId));
        return jobId;
    }

    private async Task<StageLaunch> StartedAsync(string jobId) =>
        await _fixture.Launcher.StartedAsync(jobId).WaitAsync(TimeSpan.FromSeconds(20));

    private async Task<OrchestrationMetadata> CompletionAsync(string jobId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _fixture.Client.WaitForInstanceCompletionAsync(jobId, getInputsAndOutputs: true, timeout.Token);
    }

    private string ExecutionName(string jobId) =>
        JobJson.Deserialize<GpuStageLaunchRecord>(_fixture.Blobs.Get(JobBlobLayout.GpuLaunch(jobId))).ExecutionName;

    private static string FailureMessage(OrchestrationMetadata metadata)
    {
        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.NotNull(metadata.FailureDetails);
        Assert.Contains(nameof(JobFailedException), metadata.FailureDetails.ErrorType, StringComparison.Ordinal);
        return metadata.FailureDetails.ErrorMessage;
    }

    /// <summary>The job completed with the image of its view: the right size and inside count, and the stage's metrics.</summary>
    private void AssertRendered(string jobId, OrchestrationMetadata metadata)
    {
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var outcome = metadata.ReadOutputAs<JobOutcome>()!;
        Assert.Equal((JobResultStatus.Completed, 4, 0), (outcome.Status, outcome.SucceededShards, outcome.FailedShards));
        var result = outcome.Result!.Value;
        var inside = MandelbrotReference.Counts(View).LongCount(c => c >= View.MaxIterations);
        Assert.Equal(inside, result.GetProperty("insidePixels").GetInt64());
        Assert.Equal(FakeStageLauncher.Accelerator, result.GetProperty("gpu").GetProperty("accelerator").GetString());
        Assert.Equal(MandelbrotWorkload.ImageBlob(jobId), result.GetProperty("image").GetString());
        using var image = SKBitmap.Decode(_fixture.Blobs.Get(MandelbrotWorkload.ImageBlob(jobId)).ToArray());
        Assert.NotNull(image);
        Assert.Equal((View.Width, View.Height), (image.Width, image.Height));
        Assert.True(_fixture.Blobs.Contains(MandelbrotWorkload.PreviewBlob(jobId)));
    }

    /// <summary>The job failed in its GPU stage: no shard ran.</summary>
    private void AssertNoShardRan(string jobId)
    {
        Assert.DoesNotContain(_fixture.Blobs.Paths, p => p.StartsWith(JobBlobLayout.ShardsFolder(jobId), StringComparison.Ordinal));
        Assert.False(_fixture.Blobs.Contains(MandelbrotWorkload.TileBlob(jobId, 0)));
        Assert.False(_fixture.Blobs.Contains(JobBlobLayout.Manifest(jobId)));
    }

    [Fact]
    public async Task RunAsync_CallbackReportsSuccess_RendersTheImage()
    {
        // Arrange: the launcher would say Running forever, so only the callback can end the stage.
        var jobId = await StartJobAsync(new FakeStageScript(FakeStageOutput.Good), timeoutSeconds: 60);
        var launch = await StartedAsync(jobId);

        // Act
        await new DurableClientEngine(_fixture.Client).RaiseEventAsync(jobId, GpuStageSignal.EventName, new GpuStageSignal(true, null));
        var metadata = await CompletionAsync(jobId);

        // Assert
        AssertRendered(jobId, metadata);
        Assert.Equal(
            (JobBlobLayout.GpuInput(jobId), JobBlobLayout.GpuOutput(jobId), JobBlobLayout.GpuMetrics(jobId), JobBlobLayout.GpuLog(jobId), (Uri?)null),
            (launch.InputBlob, launch.OutputBlob, launch.MetricsBlob, launch.LogBlob, launch.CallbackUrl));
        Assert.DoesNotContain(_fixture.Launcher.Stops, s => s.JobId == jobId);
    }

    [Fact]
    public async Task RunAsync_NoCallbackAndStatusTurnsSucceeded_RendersTheImageByPolling()
    {
        // Arrange
        var script = new FakeStageScript(FakeStageOutput.Good, new StageExecutionStatus(StageState.Running), new StageExecutionStatus(StageState.Succeeded));

        // Act
        var jobId = await StartJobAsync(script, timeoutSeconds: 60);
        var metadata = await CompletionAsync(jobId);

        // Assert
        AssertRendered(jobId, metadata);
        Assert.Equal(2, _fixture.Launcher.Polls(jobId));
        Assert.DoesNotContain(_fixture.Launcher.Stops, s => s.JobId == jobId);
    }

    [Fact]
    public async Task RunAsync_StatusFailedWithDetail_FailsJobWithTheDetailExecutionAndLog()
    {
        // Arrange
        const string detail = "CUDA error: out of memory (exit code 137).";
        var script = new FakeStageScript(FakeStageOutput.None, new StageExecutionStatus(StageState.Failed, detail));

        // Act
        var jobId = await StartJobAsync(script, timeoutSeconds: 60);
        var metadata = await CompletionAsync(jobId);

        // Assert
        var message = FailureMessage(metadata);
        Assert.Contains(detail, message, StringComparison.Ordinal);
        Assert.Contains(JobBlobLayout.GpuLog(jobId), message, StringComparison.Ordinal);
        Assert.Contains(ExecutionName(jobId), message, StringComparison.Ordinal);
        Assert.StartsWith("fake-", ExecutionName(jobId), StringComparison.Ordinal);
        AssertNoShardRan(jobId);
        Assert.DoesNotContain(_fixture.Launcher.Stops, s => s.JobId == jobId);
    }

    [Fact]
    public async Task RunAsync_StillRunningAtTheDeadline_StopsTheExecutionAndFailsJobNamingTheDeadline()
    {
        // Arrange: Running forever, with a 3 s deadline.
        var script = new FakeStageScript(FakeStageOutput.None, new StageExecutionStatus(StageState.Running));

        // Act
        var jobId = await StartJobAsync(script, timeoutSeconds: 3);
        var metadata = await CompletionAsync(jobId);

        // Assert
        var message = FailureMessage(metadata);
        Assert.Contains("3 s deadline", message, StringComparison.Ordinal);
        Assert.Contains(JobBlobLayout.GpuLog(jobId), message, StringComparison.Ordinal);
        var stop = Assert.Single(_fixture.Launcher.Stops, s => s.JobId == jobId);
        Assert.Equal(ExecutionName(jobId), stop.Name);
        Assert.True(metadata.LastUpdatedAt - metadata.CreatedAt >= TimeSpan.FromSeconds(2.9), $"The job gave up after {metadata.LastUpdatedAt - metadata.CreatedAt}.");
        Assert.InRange(_fixture.Launcher.Polls(jobId), 2, 4);
        AssertNoShardRan(jobId);
    }

    [Theory]
    [InlineData(FakeStageOutput.Truncated, "bytes long")]
    [InlineData(FakeStageOutput.None, "does not exist")]
    public async Task RunAsync_StageSucceededButOutputUnusable_FailsJobWithTheReason(FakeStageOutput output, string reason)
    {
        // Arrange
        var script = new FakeStageScript(output, new StageExecutionStatus(StageState.Succeeded));

        // Act
        var jobId = await StartJobAsync(script, timeoutSeconds: 60);
        var metadata = await CompletionAsync(jobId);

        // Assert
        var message = FailureMessage(metadata);
        Assert.Contains("unusable", message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.Contains(JobBlobLayout.GpuOutput(jobId), message, StringComparison.Ordinal);
        AssertNoShardRan(jobId);
    }

    [Fact]
    public async Task RunAsync_CallbackReportsFailure_FailsJobWithTheError()
    {
        // Arrange: the launcher would say Running forever; the output is even there, but the stage said it failed.
        const string error = "kernel launch failed: too many resources requested.";
        var jobId = await StartJobAsync(new FakeStageScript(FakeStageOutput.Good), timeoutSeconds: 60);
        await StartedAsync(jobId);

        // Act
        await new DurableClientEngine(_fixture.Client).RaiseEventAsync(jobId, GpuStageSignal.EventName, new GpuStageSignal(false, error));
        var metadata = await CompletionAsync(jobId);

        // Assert
        var message = FailureMessage(metadata);
        Assert.Contains(error, message, StringComparison.Ordinal);
        Assert.Contains(JobBlobLayout.GpuLog(jobId), message, StringComparison.Ordinal);
        AssertNoShardRan(jobId);
        Assert.DoesNotContain(_fixture.Launcher.Stops, s => s.JobId == jobId);
    }
}
