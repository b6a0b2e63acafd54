using System.Text.Json;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Orchestration.Activities;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Orchestration;

public sealed class RangeReducerTests
{
    private const string JobId = "job-reduce";
    private readonly InMemoryBlobStore _blobs = new();
    private readonly WorkloadCatalog _catalog = Specs.Catalog();
    private readonly RangeReducer _reducer;
    private readonly JobDocuments _documents;
    private readonly RunShardsActivity _runShard;

    public RangeReducerTests()
    {
        _reducer = new RangeReducer(_catalog, _blobs);
        _documents = new JobDocuments(_blobs);
        _runShard = new RunShardsActivity(_catalog, _blobs, _documents);
    }

    /// <summary>A leaf's calls, one shard each at attempt 2; a shard in <paramref name="failed"/> is a call lost with its error.</summary>
    private async Task<(List<string> Blobs, List<ShardResult> Lost)> RunShardsAsync(JobSpec spec, int start, int end, HashSet<int>? failed = null)
    {
        await _documents.StoreSpecAsync(JobId, spec);
        var (blobs, lost) = (new List<string>(), new List<ShardResult>());
        for (var i = start; i < end; i++)
        {
            if (failed?.Contains(i) == true)
            {
                lost.Add(new ShardResult(i, 3, ShardStatus.Failed, null, 0, $"shard {i} broke"));
                continue;
            }

            var call = await _runShard.ExecuteAsync(new RunShardsInput(JobId, new ShardJob(spec.Workload, spec.Shards, spec.Seed, spec.Retry), [new ShardAttempt(i, 2)]));
            blobs.Add(call.Blob!);
        }

        return (blobs, lost);
    }

    private async Task<RangeSummary> ReduceAsync(JobSpec spec, int start, int end, HashSet<int>? failed = null)
    {
        var (blobs, lost) = await RunShardsAsync(spec, start, end, failed);
        return await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, start, end, blobs, lost));
    }

    private static MonteCarloPiPartial Direct(JobSpec spec, IEnumerable<int> indexes)
    {
        var workload = new MonteCarloPiWorkload();
        var parameters = new MonteCarloPiParameters(spec.Parameters["samples"].GetInt64());
        var shards = indexes.Select(i => workload.Plan(parameters, new ShardPosition(i, spec.Shards, spec.Seed))).ToList();
        return new MonteCarloPiPartial(shards.Sum(MonteCarloPiWorkload.CountInside), shards.Sum(s => s.Samples));
    }

    private RangeRecord ReadRange(string path) => JobJson.Deserialize<RangeRecord>(_blobs.Get(path));

    [Fact]
    public async Task ReduceShardsAsync_MonteCarloShards_MatchesRunningShardsDirectlyAndRecordsWhereEachPartialLives()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 6, samples: 60_001);
        var (blobs, lost) = await RunShardsAsync(spec, 0, 6);

        // Act
        var summary = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 6, blobs, lost));

        // Assert
        Assert.Equal(new RangeSummary(0, 6, 6, 0, JobBlobLayout.Range(JobId, 0, 6)), summary);
        var range = ReadRange(summary.Blob);
        var expected = Direct(spec, Enumerable.Range(0, 6));
        Assert.Equal(expected.Inside, range.Partial!.Value.GetProperty("inside").GetInt64());
        Assert.Equal(60_001, range.Partial.Value.GetProperty("samples").GetInt64());
        Assert.Equal(Enumerable.Range(0, 6), range.Shards.Select(s => s.Index));
        Assert.Equal(blobs, range.Shards.Select(s => s.Blob));
        Assert.All(range.Shards, s => Assert.Equal((ShardStatus.Succeeded, 2, _blobs.Get(s.Blob!).ToMemory().Length), (s.Status, s.Attempts, (int)s.Size!)));
    }

    [Fact]
    public async Task ReduceShardsAsync_Backups_CountedPerShardAndLeftOutOfTheJsonWhereNone()
    {
        // Arrange: shard 1's backup won, shard 2's lost.
        var spec = Specs.MonteCarlo(shards: 4, samples: 40_000);
        var (blobs, lost) = await RunShardsAsync(spec, 0, 4);
        ShardBackup[] backups = [new(1, 2, Won: true), new(2, 2, Won: false)];

        // Act
        var summary = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 4, blobs, lost, Backups: backups));

        // Assert
        var range = ReadRange(summary.Blob);
        Assert.Equal([(0, 0), (1, 1), (1, 0), (0, 0)], range.Shards.Select(s => (s.Backups, s.BackupsWon)));
        Assert.Equal(new SpeculationSummary(2, 1), SpeculationSummary.Of(range.Shards));
        var json = JobJson.Serialize(range).ToString();
        Assert.Equal(2, json.Split("\"backups\":").Length - 1);
        Assert.Equal(1, json.Split("\"backupsWon\":").Length - 1);
    }

    [Fact]
    public async Task ReduceShardsAsync_RetriedShard_TakesItsLastAttemptFromItsOwnCall()
    {
        // Arrange: one call of four where shard 2 failed, then shard 2 retried alone and succeeded.
        var spec = Specs.Flaky(shards: 4, failShards: [2], failAttempts: 1);
        await _documents.StoreSpecAsync(JobId, spec);
        var job = new ShardJob(spec.Workload, spec.Shards, spec.Seed, spec.Retry);
        var batch = await _runShard.ExecuteAsync(new RunShardsInput(JobId, job, [.. Enumerable.Range(0, 4).Select(i => new ShardAttempt(i, 1))]));
        var retry = await _runShard.ExecuteAsync(new RunShardsInput(JobId, job, [new ShardAttempt(2, 2)]));

        // Act
        var summary = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 4, [batch.Blob!, retry.Blob!], []));

        // Assert
        var range = ReadRange(summary.Blob);
        Assert.Equal((4, 0), (summary.Succeeded, summary.Failed));
        Assert.Equal([batch.Blob, batch.Blob, retry.Blob, batch.Blob], range.Shards.Select(s => s.Blob));
        Assert.Equal([1, 1, 2, 1], range.Shards.Select(s => s.Attempts));
        Assert.Equal(6, range.Partial!.Value.GetProperty("indexSum").GetInt64());
    }

    [Fact]
    public async Task FindRangeAsync_AfterReduce_ReturnsTheSameSummary_BeforeReturnsNull()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 4, samples: 4_000);
        var before = await _reducer.FindRangeAsync(new FindRangeInput(JobId, 0, 4));
        var reduced = await ReduceAsync(spec, 0, 4, failed: [1]);

        // Act
        var found = await _reducer.FindRangeAsync(new FindRangeInput(JobId, 0, 4));

        // Assert
        Assert.Null(before);
        Assert.Equal(reduced, found);
        Assert.Equal(1, found!.Failed);
    }

    [Fact]
    public async Task ReduceShardsAsync_SomeShardsFailed_CombinesOnlySucceededAndCountsFailed()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 5, samples: 50_000);

        // Act
        var summary = await ReduceAsync(spec, 0, 5, [1, 3]);

        // Assert
        Assert.Equal(3, summary.Succeeded);
        Assert.Equal(2, summary.Failed);
        var range = ReadRange(summary.Blob);
        Assert.Equal(Direct(spec, [0, 2, 4]).Inside, range.Partial!.Value.GetProperty("inside").GetInt64());
        Assert.Equal(30_000, range.Partial.Value.GetProperty("samples").GetInt64());
        Assert.Equal("shard 3 broke", range.Shards[3].Error);
        Assert.Null(range.Shards[3].Blob);
    }

    [Fact]
    public async Task ReduceShardsAsync_AllShardsFailed_WritesNullPartial()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 2, samples: 100);

        // Act
        var summary = await ReduceAsync(spec, 0, 2, [0, 1]);

        // Assert
        Assert.Equal(0, summary.Succeeded);
        Assert.Equal(2, summary.Failed);
        Assert.Null(ReadRange(summary.Blob).Partial);
    }

    [Fact]
    public async Task ReduceShardsAsync_CallBlobMissing_Throws()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, "montecarlo-pi", 0, 1, [JobBlobLayout.Call(JobId, [new ShardAttempt(0, 1)], 0)], [])));
    }

    [Fact]
    public async Task ReduceShardsAsync_ShardInNoBlob_ThrowsRatherThanDroppingIt()
    {
        // Arrange: shards 0 and 1 ran, shard 2 is nowhere.
        var spec = Specs.MonteCarlo(shards: 3, samples: 300);
        var (blobs, _) = await RunShardsAsync(spec, 0, 2);

        // Act
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 3, blobs, [])));

        // Assert
        Assert.Contains("Shard 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MergeRangesAsync_ThreeChildren_ConcatenatesRecordsInOrderAndCombinesPartials()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 10, samples: 100_000);
        var children = new List<RangeSummary>();
        foreach (var (start, end) in new[] { (0, 4), (4, 8), (8, 10) })
        {
            children.Add(await ReduceAsync(spec, start, end, [5]));
        }

        // Act
        var merged = await _reducer.MergeRangesAsync(new MergeRangesInput(JobId, spec.Workload, 0, 10, children));

        // Assert
        Assert.Equal(new RangeSummary(0, 10, 9, 1, JobBlobLayout.Range(JobId, 0, 10)), merged);
        var range = ReadRange(merged.Blob);
        Assert.Equal(Enumerable.Range(0, 10), range.Shards.Select(s => s.Index));
        Assert.Equal(ShardStatus.Failed, range.Shards[5].Status);
        var expected = Direct(spec, Enumerable.Range(0, 10).Where(i => i != 5));
        Assert.Equal(expected.Inside, range.Partial!.Value.GetProperty("inside").GetInt64());
        Assert.Equal(expected.Samples, range.Partial.Value.GetProperty("samples").GetInt64());
    }

    [Fact]
    public async Task MergeRangesAsync_ChildWithNullPartial_IsSkipped()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 4, failShards: [], failAttempts: 0);
        var first = await ReduceAsync(spec, 0, 2, [0, 1]);
        var second = await ReduceAsync(spec, 2, 4);

        // Act
        var merged = await _reducer.MergeRangesAsync(new MergeRangesInput(JobId, spec.Workload, 0, 4, [first, second]));

        // Assert
        var partial = ReadRange(merged.Blob).Partial!.Value;
        Assert.Equal(2, partial.GetProperty("count").GetInt64());
        Assert.Equal(5, partial.GetProperty("indexSum").GetInt64());
        Assert.Equal(2, merged.Failed);
    }

    [Fact]
    public async Task ReadRangeAsync_WrittenRange_RoundTrips()
    {
        // Arrange
        var partial = JsonSerializer.SerializeToElement(new { count = 1, indexSum = 0 });
        var record = new RangeRecord(0, 1, partial, [new ShardRecord(0, ShardStatus.Succeeded, "results/x/shards/0.json", 5, 1, 2.5, null)]);
        await _blobs.WriteAsync("results/x/ranges/0-1.json", JobJson.Serialize(record));

        // Act
        var read = await _reducer.ReadRangeAsync("results/x/ranges/0-1.json");

        // Assert
        Assert.Equal(record.Shards, read.Shards);
        Assert.True(JsonElement.DeepEquals(partial, read.Partial!.Value));
    }
}
