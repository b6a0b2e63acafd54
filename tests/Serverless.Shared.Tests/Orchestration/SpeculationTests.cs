using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Storage;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Orchestration;

/// <summary>
/// Backups of stragglers on the in-process engine. The straggler is an execution held until the test lets it
/// go, so "the job ended before the slow execution did" is a fact the test checks, not a timing it hopes for.
/// Its own host: a held execution occupies one of the host's few activity slots.
/// </summary>
public sealed class SpeculationTests : IClassFixture<DurableHostFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DurableHostFixture _fixture;

    public SpeculationTests(DurableHostFixture fixture)
    {
        _fixture = fixture;
    }

    private StragglerWorkload Straggler => _fixture.Straggler;

    private async Task<string> StartAsync(JobSpec spec, int shardsPerOrchestration = 500)
    {
        var jobId = Guid.NewGuid().ToString("N");
        await _fixture.Client.ScheduleNewOrchestrationInstanceAsync(nameof(JobOrchestrator), new JobInput(spec, shardsPerOrchestration), new StartOrchestrationOptions(jobId));
        return jobId;
    }

    private async Task<OrchestrationMetadata> CompletionAsync(string jobId)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await _fixture.Client.WaitForInstanceCompletionAsync(jobId, getInputsAndOutputs: true, timeout.Token);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

    private JobManifest Manifest(string jobId) => JobJson.Deserialize<JobManifest>(_fixture.Blobs.Get(JobBlobLayout.Manifest(jobId)));

    private static long Total(OrchestrationMetadata metadata, string name) => metadata.ReadOutputAs<JobOutcome>()!.Result!.Value.GetProperty(name).GetInt64();

    public void Dispose() => Straggler.ReleaseAll();

    /// <summary>
    /// Every shard once and succeeded; the result combined exactly the executions the manifest names (the attempt
    /// sum), and the job's backup totals are its shards'. Peers are not pinned to one attempt: on a loaded machine a
    /// peer stalled past the straggler threshold gets a backup of its own, which is speculation working, not a fault.
    /// </summary>
    private static void AssertEveryShardOnceAndTotals(JobManifest manifest, OrchestrationMetadata metadata, int shards)
    {
        Assert.Equal(Enumerable.Range(0, shards), manifest.Shards.Select(s => s.Index));
        Assert.All(manifest.Shards, s => Assert.Equal(ShardStatus.Succeeded, s.Status));
        Assert.All(manifest.Shards, s => Assert.Equal(s.Backups == 0 ? 1 : s.BackupsWon + 1, s.Attempts));
        Assert.Equal(SpeculationSummary.Of(manifest.Shards), manifest.Speculation);
        Assert.Equal(
            ((long)shards, (long)shards * (shards - 1) / 2, (long)manifest.Shards.Sum(s => s.Attempts)),
            (Total(metadata, "count"), Total(metadata, "indexSum"), Total(metadata, "attemptSum")));
    }

    [Fact]
    public async Task RunAsync_FirstExecutionHangs_BackupWinsAndTheLoserIsStopped()
    {
        // Arrange: shard 0 hangs from the start; the other seven finish beside it.
        var spec = Specs.Straggler(shards: 8, slowShard: 0, maxParallelism: 2, SpeculationMode.Auto);

        // Act
        var jobId = await StartAsync(spec);
        var metadata = await CompletionAsync(jobId);

        // Assert: the job completed without the held execution ever being let go: it was stopped, and the backup finished.
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal((2, 1, 1), (Straggler.Started(jobId, 0), Straggler.Finished(jobId, 0), Straggler.Canceled(jobId, 0)));

        // Assert: every shard once, shard 0 from its backup (attempt 2); the result combined exactly those executions.
        var manifest = Manifest(jobId);
        Assert.Equal((ShardStatus.Succeeded, 2, 1, 1), (manifest.Shards[0].Status, manifest.Shards[0].Attempts, manifest.Shards[0].Backups, manifest.Shards[0].BackupsWon));
        AssertEveryShardOnceAndTotals(manifest, metadata, shards: 8);
        Assert.Equal(JobBlobLayout.Call(jobId, [new ShardAttempt(0, 2)], 0), manifest.Shards[0].Blob);
        // The stopped execution wrote nothing.
        Assert.False(_fixture.Blobs.Contains(JobBlobLayout.Call(jobId, [new ShardAttempt(0, 1)], 0)));
    }

    [Fact]
    public async Task RunAsync_LoserIgnoresCancellationAndReturnsLater_ChangesNothing()
    {
        // Arrange: shard 0's held execution cannot be stopped.
        var spec = Specs.Straggler(shards: 8, slowShard: 0, maxParallelism: 2, SpeculationMode.Auto, ignoreCancel: true);

        // Act: the job finishes its work (manifest and result written) while the loser still runs.
        var jobId = await StartAsync(spec);
        await UntilAsync(() => _fixture.Blobs.Contains(JobBlobLayout.Manifest(jobId)), "the manifest is written");
        var stateWhileLoserRuns = (await _fixture.Client.GetInstanceAsync(jobId))!.RuntimeStatus;
        var resultBefore = _fixture.Blobs.Get(JobBlobLayout.Result(jobId)).ToString();
        var manifestBefore = _fixture.Blobs.Get(JobBlobLayout.Manifest(jobId)).ToString();
        var finishedBeforeRelease = Straggler.Finished(jobId, 0);
        Straggler.Release(jobId);
        var metadata = await CompletionAsync(jobId);

        // Assert: the backup's result was taken before the loser returned; the loser, told it had lost, wrote nothing,
        // and the job's runtime status completed only once it had returned.
        Assert.Equal((1, 2), (finishedBeforeRelease, Straggler.Finished(jobId, 0)));
        Assert.Equal(OrchestrationRuntimeStatus.Running, stateWhileLoserRuns);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.False(_fixture.Blobs.Contains(JobBlobLayout.Call(jobId, [new ShardAttempt(0, 1)], 0)));
        Assert.Equal(resultBefore, _fixture.Blobs.Get(JobBlobLayout.Result(jobId)).ToString());
        Assert.Equal(manifestBefore, _fixture.Blobs.Get(JobBlobLayout.Manifest(jobId)).ToString());
        var manifest = Manifest(jobId);
        Assert.Equal((2, 1, 1), (manifest.Shards[0].Attempts, manifest.Shards[0].Backups, manifest.Shards[0].BackupsWon));
        AssertEveryShardOnceAndTotals(manifest, metadata, shards: 8);
    }

    [Fact]
    public async Task RunAsync_LastShardOfASubRangeHangs_TimerWakesTheRangeForItsBackup()
    {
        // Arrange: two leaf ranges of 6; shard 11 is the last to start, after its peers' durations are known, so
        // nothing but a timer can wake the range when it has become a straggler. Shards of 300 ms go one per call.
        var spec = Specs.Straggler(shards: 12, slowShard: 11, maxParallelism: 2, SpeculationMode.Auto, delayMs: 300);

        // Act
        var jobId = await StartAsync(spec, shardsPerOrchestration: 6);
        var metadata = await CompletionAsync(jobId);

        // Assert
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal((2, 1, 1), (Straggler.Started(jobId, 11), Straggler.Finished(jobId, 11), Straggler.Canceled(jobId, 11)));
        var manifest = Manifest(jobId);
        Assert.Equal((2, 1, 1), (manifest.Shards[11].Attempts, manifest.Shards[11].Backups, manifest.Shards[11].BackupsWon));
        AssertEveryShardOnceAndTotals(manifest, metadata, shards: 12);
    }

    [Fact]
    public async Task RunAsync_BackupFailsWhileTheOriginalRuns_TheOriginalsSuccessIsTaken()
    {
        // Arrange: shard 0's backup (attempt 2) throws while its first execution is held.
        var spec = Specs.Straggler(shards: 8, slowShard: 0, maxParallelism: 2, SpeculationMode.Auto, failAttempt: 2);

        // Act: the backup fails first; then the held execution is let go.
        var jobId = await StartAsync(spec);
        await UntilAsync(() => Straggler.Finished(jobId, 0) == 1, "the backup has failed");
        Straggler.Release(jobId);
        var metadata = await CompletionAsync(jobId);

        // Assert: the failure neither decided the round nor stopped the original, whose success is shard 0's record.
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal((2, 2, 0), (Straggler.Started(jobId, 0), Straggler.Finished(jobId, 0), Straggler.Canceled(jobId, 0)));
        var manifest = Manifest(jobId);
        Assert.Equal((ShardStatus.Succeeded, 1, 1, 0), (manifest.Shards[0].Status, manifest.Shards[0].Attempts, manifest.Shards[0].Backups, manifest.Shards[0].BackupsWon));
        Assert.Equal(JobBlobLayout.Call(jobId, [new ShardAttempt(0, 1)], 0), manifest.Shards[0].Blob);
        AssertEveryShardOnceAndTotals(manifest, metadata, shards: 8);
    }

    [Fact]
    public async Task RunAsync_SpeculationOff_NoBackupAndTheJobWaitsForTheSlowExecution()
    {
        // Arrange
        var spec = Specs.Straggler(shards: 8, slowShard: 0, maxParallelism: 2, SpeculationMode.Off);
        var jobId = await StartAsync(spec);

        // Act: hold the slow execution well past the point where a backup would have started (about a second
        // after the last peer), then let it go.
        await UntilAsync(() => Straggler.FinishedExcept(jobId, 0) == 7, "the other seven shards have finished");
        await Task.Delay(TimeSpan.FromSeconds(4));
        var startedWhileHeld = Straggler.Started(jobId, 0);
        var stateWhileHeld = (await _fixture.Client.GetInstanceAsync(jobId))!.RuntimeStatus;
        Straggler.Release(jobId);
        var metadata = await CompletionAsync(jobId);

        // Assert: one execution of shard 0, waited for; nothing speculative anywhere.
        Assert.Equal(1, startedWhileHeld);
        Assert.Equal(OrchestrationRuntimeStatus.Running, stateWhileHeld);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var manifest = Manifest(jobId);
        Assert.All(manifest.Shards, s => Assert.Equal((1, 0, 0), (s.Attempts, s.Backups, s.BackupsWon)));
        Assert.Equal(new SpeculationSummary(0, 0), manifest.Speculation);
        Assert.Equal((8, 28, 8), (Total(metadata, "count"), Total(metadata, "indexSum"), Total(metadata, "attemptSum")));
    }
}
