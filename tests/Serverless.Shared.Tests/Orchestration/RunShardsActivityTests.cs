using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Orchestration.Activities;
using Serverless.Storage;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Orchestration;

public sealed class RunShardsActivityTests
{
    private const string JobId = "job-batch";
    private readonly InMemoryBlobStore _blobs = new();
    private readonly RunShardsActivity _activity;

    public RunShardsActivityTests()
    {
        _activity = new RunShardsActivity(Specs.Catalog(), _blobs);
    }

    [Fact]
    public async Task ExecuteAsync_BatchWithOneThrowingShard_ReportsItsErrorAndRunsTheRest()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 6, failShards: [3], failAttempts: 1);
        var batch = Enumerable.Range(0, 6).Select(i => new ShardAttempt(i, 1)).ToList();

        // Act
        var outcomes = await _activity.ExecuteAsync(new RunShardsInput(JobId, spec.Workload, spec.Parameters, spec.Shards, spec.Seed, batch));

        // Assert
        Assert.Equal(Enumerable.Range(0, 6), outcomes.Select(o => o.Index));
        var failed = Assert.Single(outcomes, o => o.Error is not null);
        Assert.Equal(3, failed.Index);
        Assert.Contains("failed on purpose on attempt 1", failed.Error, StringComparison.Ordinal);
        Assert.Null(failed.Blob);
        Assert.False(_blobs.Contains(JobBlobLayout.Shard(JobId, 3)));
        Assert.All(outcomes.Where(o => o.Index != 3), o => Assert.True(_blobs.Contains(o.Blob!)));
    }

    [Fact]
    public async Task ExecuteAsync_SecondAttemptOfSameShard_OverwritesItsOwnBlob()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 2, failShards: [], failAttempts: 0);

        // Act
        await _activity.ExecuteAsync(new RunShardsInput(JobId, spec.Workload, spec.Parameters, 2, spec.Seed, [new ShardAttempt(1, 1)]));
        await _activity.ExecuteAsync(new RunShardsInput(JobId, spec.Workload, spec.Parameters, 2, spec.Seed, [new ShardAttempt(1, 2)]));

        // Assert
        Assert.Equal(2, _blobs.WriteCount(JobBlobLayout.Shard(JobId, 1)));
        Assert.Single(_blobs.Paths, p => p.Contains("/shards/", StringComparison.Ordinal));
        Assert.Equal(2, JobJson.Deserialize<ShardOutput>(_blobs.Get(JobBlobLayout.Shard(JobId, 1))).Attempt);
    }

    [Fact]
    public async Task ExecuteAsync_UnknownWorkload_ThrowsSoTheWholeCallFails()
    {
        var input = new RunShardsInput(JobId, "nope", new Dictionary<string, System.Text.Json.JsonElement>(), 1, 0, [new ShardAttempt(0, 1)]);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => _activity.ExecuteAsync(input));
    }
}
