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
    private readonly RunShardsActivity _runShard;

    public RangeReducerTests()
    {
        _reducer = new RangeReducer(_catalog, _blobs);
        _runShard = new RunShardsActivity(_catalog, _blobs);
    }

    private async Task<List<ShardRecord>> RunShardsAsync(JobSpec spec, int start, int end, HashSet<int>? failed = null)
    {
        var records = new List<ShardRecord>();
        for (var i = start; i < end; i++)
        {
            if (failed?.Contains(i) == true)
            {
                records.Add(new ShardRecord(i, ShardStatus.Failed, null, null, 3, null, $"shard {i} broke"));
                continue;
            }

            var result = (await _runShard.ExecuteAsync(new RunShardsInput(JobId, spec.Workload, spec.Parameters, spec.Shards, spec.Seed, [new ShardAttempt(i, 2)]))).Single();
            records.Add(new ShardRecord(i, ShardStatus.Succeeded, result.Blob!, result.Size, 2, result.DurationMs, null));
        }

        return records;
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
    public async Task ExecuteAsync_RunShard_WritesShardOutputAtLayoutPath()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 4, samples: 4_000);

        // Act
        var result = (await _runShard.ExecuteAsync(new RunShardsInput(JobId, spec.Workload, spec.Parameters, 4, spec.Seed, [new ShardAttempt(2, 3)]))).Single();

        // Assert
        Assert.Equal(JobBlobLayout.Shard(JobId, 2), result.Blob);
        var blob = _blobs.Get(result.Blob!);
        Assert.Equal(blob.ToMemory().Length, result.Size);
        var output = JobJson.Deserialize<ShardOutput>(blob);
        Assert.Equal(2, output.Index);
        Assert.Equal(3, output.Attempt);
        Assert.Equal(Direct(spec, [2]).Inside, output.Partial.GetProperty("inside").GetInt64());
        Assert.True(result.DurationMs >= 0);
    }

    [Fact]
    public async Task ReduceShardsAsync_MonteCarloShards_MatchesRunningShardsDirectly()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 6, samples: 60_001);
        var records = await RunShardsAsync(spec, 0, 6);

        // Act
        var summary = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 6, records));

        // Assert
        Assert.Equal(new RangeSummary(0, 6, 6, 0, JobBlobLayout.Range(JobId, 0, 6)), summary);
        var range = ReadRange(summary.Blob);
        var expected = Direct(spec, Enumerable.Range(0, 6));
        Assert.Equal(expected.Inside, range.Partial!.Value.GetProperty("inside").GetInt64());
        Assert.Equal(60_001, range.Partial.Value.GetProperty("samples").GetInt64());
        Assert.Equal(records, range.Shards);
    }

    [Fact]
    public async Task FindRangeAsync_AfterReduce_ReturnsTheSameSummary_BeforeReturnsNull()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 4, samples: 4_000);
        var before = await _reducer.FindRangeAsync(new FindRangeInput(JobId, 0, 4));
        var records = await RunShardsAsync(spec, 0, 4, failed: [1]);
        var reduced = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 4, records));

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
        var records = await RunShardsAsync(spec, 0, 5, new HashSet<int> { 1, 3 });

        // Act
        var summary = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 5, records));

        // Assert
        Assert.Equal(3, summary.Succeeded);
        Assert.Equal(2, summary.Failed);
        var range = ReadRange(summary.Blob);
        Assert.Equal(Direct(spec, [0, 2, 4]).Inside, range.Partial!.Value.GetProperty("inside").GetInt64());
        Assert.Equal(30_000, range.Partial.Value.GetProperty("samples").GetInt64());
        Assert.Equal("shard 3 broke", range.Shards[3].Error);
    }

    [Fact]
    public async Task ReduceShardsAsync_AllShardsFailed_WritesNullPartial()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 2, samples: 100);
        var records = await RunShardsAsync(spec, 0, 2, new HashSet<int> { 0, 1 });

        // Act
        var summary = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 2, records));

        // Assert
        Assert.Equal(0, summary.Succeeded);
        Assert.Equal(2, summary.Failed);
        Assert.Null(ReadRange(summary.Blob).Partial);
    }

    [Fact]
    public async Task ReduceShardsAsync_ShardBlobMissing_Throws()
    {
        // Arrange
        var records = new List<ShardRecord> { new(0, ShardStatus.Succeeded, JobBlobLayout.Shard(JobId, 0), 10, 1, 1, null) };

        // Act / Assert
        await Assert.ThrowsAsync<InvalidDataException>(() => _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, "montecarlo-pi", 0, 1, records)));
    }

    [Fact]
    public async Task MergeRangesAsync_ThreeChildren_ConcatenatesRecordsInOrderAndCombinesPartials()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 10, samples: 100_000);
        var children = new List<RangeSummary>();
        foreach (var (start, end) in new[] { (0, 4), (4, 8), (8, 10) })
        {
            var records = await RunShardsAsync(spec, start, end, new HashSet<int> { 5 });
            children.Add(await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, start, end, records)));
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
        var first = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 2, await RunShardsAsync(spec, 0, 2, new HashSet<int> { 0, 1 })));
        var second = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 2, 4, await RunShardsAsync(spec, 2, 4)));

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
