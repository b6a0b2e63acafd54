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
    private readonly JobDocuments _documents;
    private readonly RunShardsActivity _activity;

    public RunShardsActivityTests()
    {
        _documents = new JobDocuments(_blobs);
        _activity = new RunShardsActivity(Specs.Catalog(), _blobs, _documents);
    }

    private static ShardJob JobOf(JobSpec spec) => new(spec.Workload, spec.Shards, spec.Seed, spec.Retry);

    private IReadOnlyList<ShardResult> Stored(string blob) => JobJson.Deserialize<ShardResults>(_blobs.Get(blob)).Shards;

    [Fact]
    public async Task ExecuteAsync_BatchWithOneThrowingShard_WritesOneBlobWithEveryAttemptAndReportsTheFailure()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 6, failShards: [3], failAttempts: 1);
        await _documents.StoreSpecAsync(JobId, spec);
        var batch = Enumerable.Range(0, 6).Select(i => new ShardAttempt(i, 1)).ToList();

        // Act
        var call = await _activity.ExecuteAsync(new RunShardsInput(JobId, JobOf(spec), batch));

        // Assert: one blob for the call, named after its attempts, holding all six.
        Assert.Equal(JobBlobLayout.Call(JobId, batch, 0), call.Blob);
        Assert.Single(_blobs.Paths, p => p.Contains("/shards/", StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(0, 6), call.Shards.Select(o => o.Index));
        Assert.Equal([3], call.Shards.Where(o => !o.Succeeded).Select(o => o.Index));
        var stored = Stored(call.Blob!);
        var failed = Assert.Single(stored, r => r.Status == ShardStatus.Failed);
        Assert.Contains("failed on purpose on attempt 1", failed.Error, StringComparison.Ordinal);
        Assert.Null(failed.Partial);
        Assert.All(stored.Where(r => r.Index != 3), r => Assert.Equal(r.Index, r.Partial!.Value.GetProperty("indexSum").GetInt64()));
    }

    [Fact]
    public async Task ExecuteAsync_SameCallTwice_WritesTheSameBlobAgain_ARetryWritesItsOwn()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 2, failShards: [], failAttempts: 0);
        await _documents.StoreSpecAsync(JobId, spec);

        // Act: a replayed call, then the shard's retry alone.
        var first = await _activity.ExecuteAsync(new RunShardsInput(JobId, JobOf(spec), [new ShardAttempt(0, 1), new ShardAttempt(1, 1)]));
        var replay = await _activity.ExecuteAsync(new RunShardsInput(JobId, JobOf(spec), [new ShardAttempt(0, 1), new ShardAttempt(1, 1)]));
        var retry = await _activity.ExecuteAsync(new RunShardsInput(JobId, JobOf(spec), [new ShardAttempt(1, 2)]));

        // Assert
        Assert.Equal(first.Blob, replay.Blob);
        Assert.Equal(2, _blobs.WriteCount(first.Blob!));
        Assert.NotEqual(first.Blob, retry.Blob);
        Assert.Equal(2, _blobs.Paths.Count(p => p.Contains("/shards/", StringComparison.Ordinal)));
        Assert.Equal(2, Assert.Single(Stored(retry.Blob!)).Attempt);
    }

    [Fact]
    public async Task ExecuteAsync_RedriveReusingEarlierResults_TimelineShowsThisCallsOwnTimesAndWorker()
    {
        // Arrange: a first run whose results claim to be from a day ago on another worker, and its manifest.
        var spec = Specs.Flaky(shards: 2, failShards: [], failAttempts: 0);
        await _documents.StoreSpecAsync(JobId, spec);
        var batch = new List<ShardAttempt> { new(0, 1), new(1, 1) };
        var first = await _activity.ExecuteAsync(new RunShardsInput(JobId, JobOf(spec), batch));
        var dayAgo = DateTimeOffset.UtcNow.AddDays(-1);
        var earlier = Stored(first.Blob!).Select(r => r with { StartedAt = dayAgo, EndedAt = dayAgo.AddSeconds(1), Worker = "elsewhere:1" }).ToList();
        await _blobs.WriteAsync(first.Blob!, JobJson.Serialize(new ShardResults(earlier)));
        var records = earlier.Select(r => new ShardRecord(r.Index, ShardStatus.Succeeded, first.Blob, null, 1, r.DurationMs, null)).ToList();
        await _blobs.WriteAsync(JobBlobLayout.Manifest(JobId), JobJson.Serialize(new JobManifest(JobId, spec.Workload, JobResultStatus.Completed, 2, 2, 0, 0, null, dayAgo, records)));
        var before = DateTimeOffset.UtcNow;

        // Act
        var redrive = await _activity.ExecuteAsync(new RunShardsInput(JobId, JobOf(spec), batch, Redrive: 1));

        // Assert: the shards keep their first run's record; the call is drawn where and when it ran.
        Assert.Equal(JobJson.Serialize(earlier).ToString(), JobJson.Serialize(Stored(redrive.Blob!)).ToString());
        var page = await _blobs.ListPageAsync(redrive.Blob!, 1, null);
        var call = CallMetadata.Read(Assert.Single(page.Blobs))!;
        Assert.InRange(call.StartedAt, before.AddMilliseconds(-1), DateTimeOffset.UtcNow);
        Assert.InRange(call.EndedAt, call.StartedAt, DateTimeOffset.UtcNow);
        Assert.Equal(WorkerName.Current, call.Worker);
    }

    [Fact]
    public async Task ExecuteAsync_ReadsParametersFromTheSpecBlobOncePerProcess()
    {
        // Arrange: the message carries no parameters; the spec blob does.
        var spec = Specs.MonteCarlo(shards: 4, samples: 4_000);
        await _documents.StoreSpecAsync(JobId, spec);
        var activity = new RunShardsActivity(Specs.Catalog(), _blobs, new JobDocuments(_blobs));

        // Act
        var call = await activity.ExecuteAsync(new RunShardsInput(JobId, JobOf(spec), [new ShardAttempt(2, 1)]));
        await activity.ExecuteAsync(new RunShardsInput(JobId, JobOf(spec), [new ShardAttempt(3, 1)]));

        // Assert
        Assert.Equal(1_000, Assert.Single(Stored(call.Blob!)).Partial!.Value.GetProperty("samples").GetInt64());
        Assert.Equal(1, _blobs.ReadCount(JobBlobLayout.Spec(JobId)));
    }

    [Fact]
    public async Task ExecuteAsync_NoSpecBlob_ThrowsSoTheWholeCallFails()
    {
        var spec = Specs.Flaky(shards: 1, failShards: [], failAttempts: 0);

        await Assert.ThrowsAsync<InvalidDataException>(() => _activity.ExecuteAsync(new RunShardsInput("never-stored", JobOf(spec), [new ShardAttempt(0, 1)])));
    }

    [Fact]
    public async Task ExecuteAsync_UnknownWorkload_ThrowsSoTheWholeCallFails()
    {
        var input = new RunShardsInput(JobId, new ShardJob("nope", 1, 0, Specs.FastRetry()), [new ShardAttempt(0, 1)]);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => _activity.ExecuteAsync(input));
    }
}
