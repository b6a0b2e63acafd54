using System.Text.Json;
using Azure.Storage.Blobs;
using Serverless.Jobs;
using Serverless.Local.Stages;
using Serverless.Local.Tests.Fixtures;
using Serverless.Orchestration.Activities;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Local.Tests.Faults;

/// <summary>
/// The launch activity run again, as at-least-once delivery may: on real Azurite blobs and the real local launcher,
/// the stage's process starts once. The stage here only appends its start to a file, then waits, so the test can
/// count starts without racing a real render.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GpuStageFaultTests : IDisposable
{
    private readonly AzuriteFixture _azurite;
    private readonly string _starts = Path.Combine(Path.GetTempPath(), $"stage-starts-{Guid.NewGuid():N}");

    public GpuStageFaultTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    public void Dispose() => File.Delete(_starts);

    [Fact]
    public async Task LaunchActivity_RunTwiceAndTwiceAtOnce_StartsOneProcessWhoseSecretStillOpensTheCallback()
    {
        // Arrange
        var blobs = new BlobStore(new BlobServiceClient(_azurite.ConnectionString));
        await using var launcher = new LocalProcessLauncher(blobs, _azurite.ConnectionString, CountingStage(holdSeconds: 30));
        var activity = Activity(blobs, launcher);
        var input = Input();

        // Act: a rerun after the first completed, then two more at the same moment.
        var first = await activity.ExecuteAsync(input);
        var again = await activity.ExecuteAsync(input);
        var concurrent = await Task.WhenAll(activity.ExecuteAsync(input), activity.ExecuteAsync(input));

        // Assert
        Assert.All([again, .. concurrent], e => Assert.Equal(first, e));
        var secret = Assert.Single(await StartsAsync(expected: 1));
        var record = JobJson.Deserialize<GpuStageLaunchRecord>((await blobs.ReadAsync(JobBlobLayout.GpuLaunch(input.JobId)))!);
        Assert.Equal(first.Name, record.ExecutionName);
        Assert.True(StageSecrets.Matches(secret, record.SecretSha256), "The running execution's secret no longer matches the launch record.");
    }

    [Fact]
    public async Task LaunchActivity_RunTwiceAtOnceBeforeAnyRecord_StartsOneProcess()
    {
        // Arrange: two hosts' activities (each with its own launcher) get the same job's launch at the same moment.
        var blobs = new BlobStore(new BlobServiceClient(_azurite.ConnectionString));
        await using var one = new LocalProcessLauncher(blobs, _azurite.ConnectionString, CountingStage(holdSeconds: 30));
        await using var other = new LocalProcessLauncher(blobs, _azurite.ConnectionString, CountingStage(holdSeconds: 30));
        var input = Input();

        // Act
        var executions = await Task.WhenAll(Activity(blobs, one).ExecuteAsync(input), Activity(blobs, other).ExecuteAsync(input));

        // Assert: the launch record was created once, on real Blob Storage semantics; both runs name its one process.
        Assert.Equal(executions[0], executions[1]);
        var secret = Assert.Single(await StartsAsync(expected: 1));
        var record = JobJson.Deserialize<GpuStageLaunchRecord>((await blobs.ReadAsync(JobBlobLayout.GpuLaunch(input.JobId)))!);
        Assert.Equal(executions[0].Name, record.ExecutionName);
        Assert.True(StageSecrets.Matches(secret, record.SecretSha256), "The running execution's secret does not match the launch record.");
    }

    [Fact]
    public async Task LaunchActivity_RerunOnARestartedHostAfterTheStageEnded_StartsNoSecondProcess()
    {
        // Arrange: one host runs the stage to its end; its record is then left as a run that never heard back would leave it.
        var blobs = new BlobStore(new BlobServiceClient(_azurite.ConnectionString));
        var input = Input();
        StageExecution first;
        await using (var launcher = new LocalProcessLauncher(blobs, _azurite.ConnectionString, CountingStage(holdSeconds: 0)))
        {
            first = await Activity(blobs, launcher).ExecuteAsync(input);
            Assert.Equal(StageState.Succeeded, (await WaitEndedAsync(launcher, first)).State);
        }

        var record = JobJson.Deserialize<GpuStageLaunchRecord>((await blobs.ReadAsync(JobBlobLayout.GpuLaunch(input.JobId)))!);
        await blobs.WriteAsync(JobBlobLayout.GpuLaunch(input.JobId), JobJson.Serialize(record with { ExecutionName = string.Empty }));

        // Act: the restarted host's launcher has no memory of the process.
        await using var restarted = new LocalProcessLauncher(blobs, _azurite.ConnectionString, CountingStage(holdSeconds: 0));
        var rerun = await Activity(blobs, restarted).ExecuteAsync(input);

        // Assert
        Assert.Equal(first, rerun);
        Assert.Single(await StartsAsync(expected: 1));
        Assert.Equal(StageState.Succeeded, (await restarted.GetStatusAsync(rerun)).State);
    }

    private static StartGpuStageActivity Activity(IBlobStore blobs, IStageLauncher launcher) =>
        new(new WorkloadCatalog(WorkloadCatalog.BuiltIn(blobs)), blobs, launcher, new StageCallbackOptions(null), TimeProvider.System);

    private static StartGpuStageInput Input() => new(
        "gpu-fault-" + Guid.NewGuid().ToString("N")[..12],
        "mandelbrot",
        new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["width"] = JsonSerializer.SerializeToElement(16), ["height"] = JsonSerializer.SerializeToElement(16) });

    /// <summary>Appends its secret as one line per start, then holds for a while as a rendering stage would.</summary>
    private LocalStageCommand CountingStage(int holdSeconds) =>
        new("/bin/sh", ["-c", $"printf '%s\\n' \"$STAGE_CALLBACK_SECRET\" >> '{_starts}'; sleep {holdSeconds}"]);

    /// <summary>The lines of the starts file once it has <paramref name="expected"/>, after a pause long enough to see a late extra start.</summary>
    private async Task<string[]> StartsAsync(int expected)
    {
        for (var i = 0; i < 100 && (!File.Exists(_starts) || File.ReadAllLines(_starts).Length < expected); i++)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500);
        return File.Exists(_starts) ? File.ReadAllLines(_starts) : [];
    }

    private static async Task<StageExecutionStatus> WaitEndedAsync(LocalProcessLauncher launcher, StageExecution execution)
    {
        for (var i = 0; i < 100; i++)
        {
            var status = await launcher.GetStatusAsync(execution);
            if (status.State != StageState.Running)
            {
                return status;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{execution.Name} did not end.");
        return null;
    }
}
