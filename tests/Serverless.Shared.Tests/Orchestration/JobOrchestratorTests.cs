using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Costs;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Orchestration;

/// <summary>
/// One in-process Durable Task host (gRPC sidecar + worker) for all the orchestrator tests. Its dispatchers run at
/// most ProcessorCount work items at once and poll every 500 ms when full, so most tests use maxParallelism 1
/// (the fan-out logic itself is covered by BoundedFanOutTests); one test runs shards in parallel on purpose.
/// </summary>
public sealed class DurableHostFixture : IAsyncLifetime
{
    public InMemoryBlobStore Blobs { get; } = new();

    public FlakyWorkload Flaky { get; } = new();

    public StragglerWorkload Straggler { get; } = new();

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
                    services.AddSingleton(Specs.Catalog(Flaky, straggler: Straggler));
                    services.AddSingleton<IBlobStore>(Blobs);
                    services.AddSingleton(TimeProvider.System);
                    services.AddSingleton(new CostPrices());
                    // The GPU stage's activities are registered but never run here, so they get no launcher.
                    services.AddJobActivities();
                },
            });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class JobOrchestratorTests : IClassFixture<DurableHostFixture>
{
    private readonly DurableHostFixture _fixture;

    public JobOrchestratorTests(DurableHostFixture fixture)
    {
        _fixture = fixture;
    }

    private async Task<(string JobId, OrchestrationMetadata Metadata)> RunJobAsync(JobSpec spec, int shardsPerOrchestration = 500)
    {
        var jobId = Guid.NewGuid().ToString("N");
        await _fixture.Client.ScheduleNewOrchestrationInstanceAsync(nameof(JobOrchestrator), new JobInput(spec, shardsPerOrchestration), new StartOrchestrationOptions(jobId));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var metadata = await _fixture.Client.WaitForInstanceCompletionAsync(jobId, getInputsAndOutputs: true, timeout.Token);
        return (jobId, metadata);
    }

    private JobManifest Manifest(string jobId) => JobJson.Deserialize<JobManifest>(_fixture.Blobs.Get(JobBlobLayout.Manifest(jobId)));

    private IReadOnlyList<ShardResult> Results(string callBlob) => JobJson.Deserialize<ShardResults>(_fixture.Blobs.Get(callBlob)).Shards;

    /// <summary>Writes of every call blob the job has, together.</summary>
    private int ShardWrites(string jobId) =>
        _fixture.Blobs.Paths.Where(p => p.StartsWith(JobBlobLayout.ShardsFolder(jobId), StringComparison.Ordinal)).Sum(_fixture.Blobs.WriteCount);

    [Fact]
    public async Task RunAsync_AllShardsSucceed_CompletesWithCountsAndResult()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 5, samples: 50_003, seed: 77, maxParallelism: 1);

        // Act
        var (jobId, metadata) = await RunJobAsync(spec);

        // Assert: the orchestration and its output.
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var outcome = metadata.ReadOutputAs<JobOutcome>()!;
        Assert.Equal(jobId, outcome.JobId);
        Assert.Equal(JobResultStatus.Completed, outcome.Status);
        Assert.Equal((5, 5, 0), (outcome.TotalShards, outcome.SucceededShards, outcome.FailedShards));
        Assert.Equal(new JobProgress("Completed", 5, 5, 0), metadata.ReadCustomStatusAs<JobProgress>());

        // Assert: the result equals running the shards directly.
        var workload = new MonteCarloPiWorkload();
        var inside = Enumerable.Range(0, 5).Sum(i => MonteCarloPiWorkload.CountInside(workload.Plan(new MonteCarloPiParameters(50_003), new ShardPosition(i, 5, 77))));
        Assert.Equal(inside, outcome.Result!.Value.GetProperty("inside").GetInt64());
        var document = JobJson.Deserialize<JobResultDocument>(_fixture.Blobs.Get(JobBlobLayout.Result(jobId)));
        Assert.Equal(inside, document.Result.GetProperty("inside").GetInt64());
        Assert.Equal(50_003, document.Result.GetProperty("samples").GetInt64());

        // Assert: the manifest lists every shard once, each on its first attempt.
        var manifest = Manifest(jobId);
        Assert.Equal(Enumerable.Range(0, 5), manifest.Shards.Select(s => s.Index));
        Assert.All(manifest.Shards, s => Assert.Equal((ShardStatus.Succeeded, 1), (s.Status, s.Attempts)));
        Assert.All(manifest.Shards, s => Assert.Contains(Results(s.Blob!), r => r.Index == s.Index && r.Status == ShardStatus.Succeeded));
    }

    [Fact]
    public async Task RunAsync_ShardFailsOnFirstAttemptOnly_SucceedsOnSecondAttempt()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 6, failShards: [4], failAttempts: 1, maxParallelism: 1);

        // Act
        var (jobId, metadata) = await RunJobAsync(spec);

        // Assert
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var outcome = metadata.ReadOutputAs<JobOutcome>()!;
        Assert.Equal(JobResultStatus.Completed, outcome.Status);
        Assert.Equal(6, outcome.Result!.Value.GetProperty("count").GetInt64());
        var manifest = Manifest(jobId);
        Assert.Equal(Enumerable.Range(0, 6), manifest.Shards.Select(s => s.Index));
        Assert.Equal([1, 1, 1, 1, 2, 1], manifest.Shards.Select(s => s.Attempts));
        Assert.All(manifest.Shards, s => Assert.Equal(ShardStatus.Succeeded, s.Status));
        // The retry ran alone, in a call (and blob) of its own.
        Assert.Equal(2, Assert.Single(Results(manifest.Shards[4].Blob!)).Attempt);
    }

    [Fact]
    public async Task RunAsync_ShardAlwaysFailsAtZeroTolerance_FailsJobAndManifestListsTheError()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 10, failShards: [3], failAttempts: int.MaxValue, toleratedFailurePercent: 0, maxParallelism: 1);

        // Act
        var (jobId, metadata) = await RunJobAsync(spec);

        // Assert: the orchestration failed, saying why and where the manifest is.
        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.NotNull(metadata.FailureDetails);
        Assert.Contains("1 of 10 shards failed", metadata.FailureDetails.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(JobBlobLayout.Manifest(jobId), metadata.FailureDetails.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(nameof(JobFailedException), metadata.FailureDetails.ErrorType, StringComparison.Ordinal);

        // Assert: the manifest lists the shard with its last error; there is no result.
        var manifest = Manifest(jobId);
        Assert.Equal(JobResultStatus.Failed, manifest.Status);
        Assert.Equal(Enumerable.Range(0, 10), manifest.Shards.Select(s => s.Index));
        var failed = Assert.Single(manifest.Shards, s => s.Status == ShardStatus.Failed);
        Assert.Equal(3, failed.Index);
        Assert.Equal(spec.Retry.MaxAttempts, failed.Attempts);
        Assert.Contains("Shard 3 failed on purpose on attempt 3", failed.Error, StringComparison.Ordinal);
        Assert.Null(failed.Blob);
        Assert.False(_fixture.Blobs.Contains(JobBlobLayout.Result(jobId)));
    }

    [Fact]
    public async Task RunAsync_ShardAlwaysFailsWithinTolerance_CompletesWithFailures()
    {
        // Arrange: 1 of 10 shards is 10%, which a 10% tolerance allows.
        var spec = Specs.Flaky(shards: 10, failShards: [7], failAttempts: int.MaxValue, toleratedFailurePercent: 10, maxParallelism: 1);

        // Act
        var (jobId, metadata) = await RunJobAsync(spec);

        // Assert
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var outcome = metadata.ReadOutputAs<JobOutcome>()!;
        Assert.Equal(JobResultStatus.CompletedWithFailures, outcome.Status);
        Assert.Equal((9, 1), (outcome.SucceededShards, outcome.FailedShards));
        Assert.Equal([7], outcome.FailedShardIndexes);
        Assert.Equal(45 - 7, outcome.Result!.Value.GetProperty("indexSum").GetInt64());
        Assert.Equal(new JobProgress(nameof(JobResultStatus.CompletedWithFailures), 10, 10, 1), metadata.ReadCustomStatusAs<JobProgress>());
        Assert.True(_fixture.Blobs.Contains(JobBlobLayout.Result(jobId)));
        var manifest = Manifest(jobId);
        Assert.Equal(ShardStatus.Failed, manifest.Shards[7].Status);
        Assert.Equal(3, manifest.Shards[7].Attempts);
    }

    [Fact]
    public async Task RunAsync_MoreShardsThanOneOrchestrationRuns_UsesSubOrchestrationsAndListsEveryShardOnce()
    {
        // Arrange: 20 shards, 4 per orchestration: children [0,16) and [16,20); [0,16) splits again into four.
        var spec = Specs.Flaky(shards: 20, failShards: [5, 17], failAttempts: 1, maxParallelism: 1);

        // Act
        var (jobId, metadata) = await RunJobAsync(spec, shardsPerOrchestration: 4);

        // Assert: the job.
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var outcome = metadata.ReadOutputAs<JobOutcome>()!;
        Assert.Equal(JobResultStatus.Completed, outcome.Status);
        Assert.Equal((20, 20, 0), (outcome.TotalShards, outcome.SucceededShards, outcome.FailedShards));
        Assert.Equal(20, outcome.Result!.Value.GetProperty("count").GetInt64());
        Assert.Equal(190, outcome.Result.Value.GetProperty("indexSum").GetInt64());

        // Assert: the range orchestrations ran, named after the job.
        foreach (var child in new[] { "0-16", "16-20", "0-4", "4-8", "8-12", "12-16" })
        {
            var instance = await _fixture.Client.GetInstanceAsync($"{jobId}:{child}");
            Assert.NotNull(instance);
            Assert.Equal(nameof(ShardRangeOrchestrator), instance.Name);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        }

        Assert.Null(await _fixture.Client.GetInstanceAsync($"{jobId}:16-17"));
        Assert.True(_fixture.Blobs.Contains(JobBlobLayout.Range(jobId, 0, 16)));
        Assert.True(_fixture.Blobs.Contains(JobBlobLayout.Range(jobId, 0, 20)));

        // Assert: the manifest still lists every shard exactly once, in order.
        var manifest = Manifest(jobId);
        Assert.Equal(Enumerable.Range(0, 20), manifest.Shards.Select(s => s.Index));
        Assert.Equal(2, manifest.Shards[5].Attempts);
        Assert.Equal(2, manifest.Shards[17].Attempts);
        Assert.Equal(18, manifest.Shards.Count(s => s.Attempts == 1));
    }

    [Fact]
    public async Task RunAsync_ParallelShardsWithRetries_NeverRunsMoreThanMaxParallelismAndListsEveryShardOnce()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 8, failShards: [1, 6], failAttempts: 1, maxParallelism: 3, delayMs: 30);
        _fixture.Flaky.ResetConcurrency();

        // Act
        var (jobId, metadata) = await RunJobAsync(spec);

        // Assert
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.InRange(_fixture.Flaky.MaxConcurrent, 1, 3);
        var manifest = Manifest(jobId);
        Assert.Equal(Enumerable.Range(0, 8), manifest.Shards.Select(s => s.Index));
        Assert.Equal([1, 2, 1, 1, 1, 1, 2, 1], manifest.Shards.Select(s => s.Attempts));
        Assert.Equal(28, metadata.ReadOutputAs<JobOutcome>()!.Result!.Value.GetProperty("indexSum").GetInt64());
    }

    [Fact]
    public async Task ShardRangeOrchestrator_RangeStartedAgainAfterItFinished_ReturnsItsRecordWithoutRerunningShards()
    {
        // Arrange: a finished job whose ranges wrote their records.
        var spec = Specs.Flaky(shards: 8, failShards: [], failAttempts: 0, maxParallelism: 2);
        var (jobId, _) = await RunJobAsync(spec, shardsPerOrchestration: 4);
        var writesBefore = ShardWrites(jobId);

        // Act: a duplicate start of range [0, 4), as at-least-once delivery can produce.
        var duplicateId = $"{jobId}:0-4:again";
        await _fixture.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(ShardRangeOrchestrator),
            new RangeInput(jobId, new ShardJob(spec.Workload, spec.Shards, spec.Seed, spec.Retry), 0, 4, 2, 4),
            new StartOrchestrationOptions(duplicateId));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var metadata = await _fixture.Client.WaitForInstanceCompletionAsync(duplicateId, getInputsAndOutputs: true, timeout.Token);

        // Assert
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(new RangeSummary(0, 4, 4, 0, JobBlobLayout.Range(jobId, 0, 4)), metadata.ReadOutputAs<RangeSummary>());
        Assert.Equal(writesBefore, ShardWrites(jobId));
    }

    [Fact]
    public async Task RunAsync_ShardFailsInsideSubOrchestration_FailsJobAndManifestListsIt()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 9, failShards: [8], failAttempts: int.MaxValue, maxAttempts: 2, maxParallelism: 1);

        // Act
        var (jobId, metadata) = await RunJobAsync(spec, shardsPerOrchestration: 2);

        // Assert
        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        var manifest = Manifest(jobId);
        Assert.Equal(Enumerable.Range(0, 9), manifest.Shards.Select(s => s.Index));
        Assert.Equal((ShardStatus.Failed, 2), (manifest.Shards[8].Status, manifest.Shards[8].Attempts));
        Assert.Equal((8, 1), (manifest.SucceededShards, manifest.FailedShards));
    }
}
