using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Serverless.Jobs;
using Serverless.Orchestration.Activities;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.Tests.Orchestration;

public sealed class StartGpuStageActivityTests
{
    private const string JobId = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private static readonly DateTimeOffset Now = new(2025, 9, 10, 11, 12, 13, TimeSpan.Zero);
    private static readonly MandelbrotView View = new(320, 200, -0.5, 0.25, 2.5, 750);
    private readonly InMemoryBlobStore _blobs = new();
    private readonly FakeStageLauncher _launcher;

    public StartGpuStageActivityTests()
    {
        _launcher = new FakeStageLauncher(_blobs);
    }

    private static Dictionary<string, JsonElement> Parameters => new(StringComparer.Ordinal)
    {
        ["width"] = JsonSerializer.SerializeToElement(View.Width),
        ["height"] = JsonSerializer.SerializeToElement(View.Height),
        ["centerX"] = JsonSerializer.SerializeToElement(View.CenterX),
        ["centerY"] = JsonSerializer.SerializeToElement(View.CenterY),
        ["scale"] = JsonSerializer.SerializeToElement(View.Scale),
        ["maxIterations"] = JsonSerializer.SerializeToElement(View.MaxIterations),
    };

    private static string Sha256Hex(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private StartGpuStageActivity Activity(Uri? callbackBase) =>
        new(Specs.Catalog(blobs: _blobs), _blobs, _launcher, new StageCallbackOptions(callbackBase), new FixedTimeProvider(Now));

    private Task<StageExecution> StartAsync(Uri? callbackBase = null, string jobId = JobId) =>
        Activity(callbackBase).ExecuteAsync(new StartGpuStageInput(jobId, "mandelbrot", Parameters));

    [Fact]
    public async Task ExecuteAsync_MandelbrotJob_WritesTheInputWithTheKernelAndTheView()
    {
        // Act
        await StartAsync();

        // Assert
        using var input = JsonDocument.Parse(_blobs.Get(JobBlobLayout.GpuInput(JobId)).ToString());
        Assert.Equal("mandelbrot", input.RootElement.GetProperty("kernel").GetString());
        var parameters = input.RootElement.GetProperty("parameters");
        Assert.Equal(
            (320, 200, -0.5, 0.25, 2.5, 750),
            (parameters.GetProperty("width").GetInt32(), parameters.GetProperty("height").GetInt32(), parameters.GetProperty("centerX").GetDouble(),
                parameters.GetProperty("centerY").GetDouble(), parameters.GetProperty("scale").GetDouble(), parameters.GetProperty("maxIterations").GetInt32()));
    }

    [Fact]
    public async Task ExecuteAsync_AnyJob_LaunchesWithTheJobsBlobsAndRecordsTheExecutionAndTheSecretsHashOnly()
    {
        // Act
        var execution = await StartAsync();

        // Assert: the launch.
        var launch = Assert.Single(_launcher.Launches);
        Assert.Equal(
            (JobId, $"results/{JobId}/gpu/input.json", $"results/{JobId}/gpu/output.bin", $"results/{JobId}/gpu/metrics.json", $"results/{JobId}/gpu/log.txt"),
            (launch.JobId, launch.InputBlob, launch.OutputBlob, launch.MetricsBlob, launch.LogBlob));
        Assert.Matches("^[A-Za-z0-9_-]{43,}$", launch.CallbackSecret);
        Assert.Equal(JobId, execution.JobId);

        // Assert: the record names the execution and holds the SHA-256 of the secret, never the secret.
        var json = _blobs.Get(JobBlobLayout.GpuLaunch(JobId)).ToString();
        var record = JobJson.Deserialize<GpuStageLaunchRecord>(BinaryData.FromString(json));
        Assert.Equal(execution.Name, record.ExecutionName);
        Assert.Equal(Sha256Hex(launch.CallbackSecret), record.SecretSha256, ignoreCase: true);
        Assert.Equal(Now, record.StartedAt);
        Assert.DoesNotContain(launch.CallbackSecret, json, StringComparison.Ordinal);
        Assert.DoesNotContain(launch.CallbackSecret, _blobs.Get(JobBlobLayout.GpuInput(JobId)).ToString(), StringComparison.Ordinal);
        Assert.True(StageSecrets.Matches(launch.CallbackSecret, record.SecretSha256));
    }

    [Fact]
    public async Task ExecuteAsync_AnyJob_WritesTheSecretsHashBeforeStartingTheExecution()
    {
        // Act: a fast execution may call back before StartAsync returns, so the hash must already be there.
        await StartAsync();

        // Assert
        var launch = Assert.Single(_launcher.Launches);
        var atStart = _launcher.LaunchRecordAtStart(JobId);
        Assert.NotNull(atStart);
        Assert.Equal(Sha256Hex(launch.CallbackSecret), JobJson.Deserialize<GpuStageLaunchRecord>(atStart).SecretSha256, ignoreCase: true);
    }

    [Theory]
    [InlineData("https://func-serverless.azurewebsites.net")]
    [InlineData("https://func-serverless.azurewebsites.net/")]
    [InlineData("http://localhost:7071/")]
    public async Task ExecuteAsync_CallbackBaseUrl_LaunchCarriesTheJobsCallbackRoute(string baseUrl)
    {
        // Act
        await StartAsync(new Uri(baseUrl));

        // Assert
        var launch = Assert.Single(_launcher.Launches);
        Assert.Equal(new Uri($"{baseUrl.TrimEnd('/')}/api/jobs/{JobId}/gpu-stage/callback"), launch.CallbackUrl);
    }

    [Fact]
    public async Task ExecuteAsync_NoCallbackBaseUrl_LaunchHasNoCallbackUrl()
    {
        // Act
        await StartAsync(callbackBase: null);

        // Assert
        Assert.Null(Assert.Single(_launcher.Launches).CallbackUrl);
    }

    [Fact]
    public async Task ExecuteAsync_TwoStarts_UseDifferentSecretsEachMatchingOnlyItsOwnRecord()
    {
        // Act
        await StartAsync(jobId: "job-one");
        await StartAsync(jobId: "job-two");

        // Assert
        var (first, second) = (_launcher.Launches[0].CallbackSecret, _launcher.Launches[1].CallbackSecret);
        Assert.NotEqual(first, second);
        var secondRecord = JobJson.Deserialize<GpuStageLaunchRecord>(_blobs.Get(JobBlobLayout.GpuLaunch("job-two")));
        Assert.True(StageSecrets.Matches(second, secondRecord.SecretSha256));
        Assert.False(StageSecrets.Matches(first, secondRecord.SecretSha256));
    }

    [Fact]
    public async Task ExecuteAsync_RunTwice_StartsOneExecutionAndKeepsItsSecret()
    {
        // Act: at-least-once delivery runs the activity again after it completed.
        var first = await StartAsync();
        var second = await StartAsync();

        // Assert
        var launch = Assert.Single(_launcher.Launches);
        Assert.Equal(first, second);
        var record = JobJson.Deserialize<GpuStageLaunchRecord>(_blobs.Get(JobBlobLayout.GpuLaunch(JobId)));
        Assert.Equal(first.Name, record.ExecutionName);
        Assert.True(StageSecrets.Matches(launch.CallbackSecret, record.SecretSha256));
    }

    [Fact]
    public async Task ExecuteAsync_TwoRunsAtOnceBeforeAnyRecord_StartOneExecutionBothReturn()
    {
        // Arrange: the launcher answers slowly, so the second run arrives while the first is still starting.
        var slowStart = new TaskCompletionSource();
        _launcher.HoldStarts = slowStart.Task;

        // Act
        var runs = new[] { StartAsync(), StartAsync() };
        await Task.Delay(200);
        slowStart.SetResult();
        var executions = await Task.WhenAll(runs);

        // Assert: one start; both name it; its secret is the recorded one.
        var launch = Assert.Single(_launcher.Launches);
        Assert.Equal(executions[0], executions[1]);
        var record = JobJson.Deserialize<GpuStageLaunchRecord>(_blobs.Get(JobBlobLayout.GpuLaunch(JobId)));
        Assert.Equal(executions[0].Name, record.ExecutionName);
        Assert.True(StageSecrets.Matches(launch.CallbackSecret, record.SecretSha256));
    }

    [Fact]
    public async Task ExecuteAsync_RerunAfterTheStartsAnswerWasLost_AdoptsTheExecutionTheLauncherFinds()
    {
        // Arrange: the first run starts an execution but never hears back, so its record names none.
        _launcher.LoseStartAnswers = true;
        await Assert.ThrowsAsync<TimeoutException>(() => StartAsync());
        _launcher.LoseStartAnswers = false;

        // Act
        var execution = await StartAsync();

        // Assert: no second start; the running execution's secret still opens the callback.
        var launch = Assert.Single(_launcher.Launches);
        Assert.Equal("fake-1", execution.Name);
        var record = JobJson.Deserialize<GpuStageLaunchRecord>(_blobs.Get(JobBlobLayout.GpuLaunch(JobId)));
        Assert.Equal("fake-1", record.ExecutionName);
        Assert.True(StageSecrets.Matches(launch.CallbackSecret, record.SecretSha256));
    }

    [Fact]
    public async Task ExecuteAsync_RerunAfterAStartThatNeverHappened_StartsOneWithANewSecret()
    {
        // Arrange: a run that wrote its record and died before the launcher was asked.
        var abandoned = new GpuStageLaunchRecord(string.Empty, Sha256Hex("never-given-out"), Now.AddMinutes(-5));
        await _blobs.WriteAsync(JobBlobLayout.GpuLaunch(JobId), JobJson.Serialize(abandoned));

        // Act
        var execution = await StartAsync();

        // Assert
        var launch = Assert.Single(_launcher.Launches);
        var record = JobJson.Deserialize<GpuStageLaunchRecord>(_blobs.Get(JobBlobLayout.GpuLaunch(JobId)));
        Assert.Equal(execution.Name, record.ExecutionName);
        Assert.True(StageSecrets.Matches(launch.CallbackSecret, record.SecretSha256));
    }
}
