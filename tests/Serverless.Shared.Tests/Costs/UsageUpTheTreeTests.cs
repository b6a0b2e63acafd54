using Serverless.Costs;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Orchestration.Activities;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Costs;

/// <summary>
/// Usage from the call blobs through the range records into the manifest's cost. The in-memory store sends no
/// requests, so the only requests counted here are the record writes each step adds for itself.
/// </summary>
public sealed class UsageUpTheTreeTests
{
    private const string JobId = "job-usage";
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly InMemoryBlobStore _blobs = new();
    private readonly WorkloadCatalog _catalog = Specs.Catalog();
    private readonly RangeReducer _reducer;
    private readonly JobDocuments _documents;
    private readonly RunShardsActivity _run;
    private readonly FinishJobActivity _finish;

    public UsageUpTheTreeTests()
    {
        _reducer = new RangeReducer(_catalog, _blobs);
        _documents = new JobDocuments(_blobs);
        _run = new RunShardsActivity(_catalog, _blobs, _documents);
        _finish = new FinishJobActivity(_catalog, _blobs, _reducer, _documents, new FixedTimeProvider(Now), new CostPrices());
    }

    /// <summary>One call per shard of [start, end), reduced into a leaf range.</summary>
    private async Task<RangeSummary> LeafAsync(JobSpec spec, int start, int end)
    {
        var job = new ShardJob(spec.Workload, spec.Shards, spec.Seed, spec.Retry);
        var blobs = new List<string>();
        for (var i = start; i < end; i++)
        {
            blobs.Add((await _run.ExecuteAsync(new RunShardsInput(JobId, job, [new ShardAttempt(i, 1)]))).Blob!);
        }

        return await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, start, end, blobs, []));
    }

    private async Task<JobCost> CostAsync() => (await _blobs.ReadAsync(JobBlobLayout.Manifest(JobId))) is { } manifest
        ? JobJson.Deserialize<JobManifest>(manifest).Cost!
        : throw new InvalidOperationException("No manifest.");

    [Fact]
    public async Task RunShards_CallBlob_RecordsOneCallItsTimeItsCpuAndItsOwnWrite()
    {
        var spec = Specs.MonteCarlo(2, 20_000_000);
        await _documents.StoreSpecAsync(JobId, spec);

        var call = await _run.ExecuteAsync(new RunShardsInput(JobId, new ShardJob(spec.Workload, spec.Shards, spec.Seed, spec.Retry), [new ShardAttempt(0, 1), new ShardAttempt(1, 1)]));

        var usage = JobJson.Deserialize<ShardResults>((await _blobs.ReadAsync(call.Blob!))!).Usage!;
        Assert.Equal(1, usage.ActivityCalls);
        Assert.Equal(0, usage.Orchestrations);
        Assert.True(usage.ActivitySeconds > 0);
        Assert.True(usage.CpuSeconds > 0, "20 million samples burn CPU while the call runs.");
        Assert.Equal(new Dictionary<string, long> { ["blob.write"] = 1 }, usage.StorageRequests);
    }

    [Fact]
    public async Task ReduceAndMerge_SumTheirCallsAndChildren_AndCountTheChildOrchestrations()
    {
        var spec = Specs.MonteCarlo(6, 6_000);
        await _documents.StoreSpecAsync(JobId, spec);
        var left = await LeafAsync(spec, 0, 3);
        var right = await LeafAsync(spec, 3, 6);

        var merged = await _reducer.MergeRangesAsync(new MergeRangesInput(JobId, spec.Workload, 0, 6, [left, right]));

        var leaf = (await _reducer.ReadRangeAsync(left.Blob)).Usage!;
        Assert.Equal((4, 0), (leaf.ActivityCalls, leaf.Orchestrations)); // three calls and the reduce
        Assert.Equal(4, leaf.StorageRequests["blob.write"]);
        var root = (await _reducer.ReadRangeAsync(merged.Blob)).Usage!;
        Assert.Equal((9, 2), (root.ActivityCalls, root.Orchestrations)); // two leaves and the merge; both leaves were sub-orchestrations
        Assert.Equal(9, root.StorageRequests["blob.write"]);
        Assert.True(root.ActivitySeconds >= leaf.ActivitySeconds);
    }

    [Fact]
    public async Task ReduceShards_RaceLosers_CountInTheRangesUsageButNotInItsShards()
    {
        // Arrange: shards 0-2 taken; a backup of shard 1 that lost but wrote its blob; another loser that stopped without one.
        var spec = Specs.MonteCarlo(3, 3_000);
        await _documents.StoreSpecAsync(JobId, spec);
        var job = new ShardJob(spec.Workload, spec.Shards, spec.Seed, spec.Retry);
        var taken = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            taken.Add((await _run.ExecuteAsync(new RunShardsInput(JobId, job, [new ShardAttempt(i, 1)]))).Blob!);
        }

        var lostBackup = (await _run.ExecuteAsync(new RunShardsInput(JobId, job, [new ShardAttempt(1, 2)], Backup: true))).Blob!;
        var stopped = new Usage(4, 1, 1, 0, new Dictionary<string, long>());

        // Act
        var leaf = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, 3, taken, [], Losers: new RaceLosses([lostBackup], stopped)));

        // Assert: three taken calls, two losers and the reduce; shard 1's record is its first attempt's.
        var record = await _reducer.ReadRangeAsync(leaf.Blob);
        Assert.Equal(6, record.Usage!.ActivityCalls);
        Assert.True(record.Usage.ActivitySeconds >= 4, "The stopped loser's time is in the range's.");
        Assert.Equal([1, 1, 1], record.Shards.Select(r => r.Attempts));
    }

    [Fact]
    public async Task Finish_OneOrchestrationJob_CostHoldsItsCallsTheBookkeepingAndThePrices()
    {
        var spec = Specs.MonteCarlo(4, 4_000);
        await _documents.StoreSpecAsync(JobId, spec);
        var root = await LeafAsync(spec, 0, 4);

        await _finish.ExecuteAsync(new FinishJobInput(JobId, spec.Shards, root));

        var cost = await CostAsync();
        // Four shard calls, the reduce, storing the spec and this finish; the job is the only orchestration.
        Assert.Equal((7, 1), (cost.ActivityCalls, cost.Orchestrations));
        // The calls' and the range's blobs, the spec and the manifest.
        Assert.Equal(new Dictionary<string, long> { ["blob.write"] = 7 }, cost.StorageRequests);
        Assert.Equal(EngineRequestRates.Estimate(7, 1), cost.EstimatedEngineRequests);
        Assert.Equal(0, cost.GpuSeconds);
        Assert.Equal(cost.Estimate.Lines.Sum(l => l.Amount), cost.Estimate.Total);
        Assert.True(cost.Estimate.Total > 0);
    }

    [Fact]
    public async Task Finish_JobOfTwoRanges_CountsEachRangeOrchestrationAndItsLookup()
    {
        var spec = Specs.MonteCarlo(4, 4_000);
        await _documents.StoreSpecAsync(JobId, spec);
        var left = await LeafAsync(spec, 0, 2);
        var right = await LeafAsync(spec, 2, 4);
        var root = await _reducer.MergeRangesAsync(new MergeRangesInput(JobId, spec.Workload, 0, 4, [left, right]));

        await _finish.ExecuteAsync(new FinishJobInput(JobId, spec.Shards, root));

        var cost = await CostAsync();
        // 4 calls + 2 reduces + the merge + the spec + 2 range lookups + the finish; the job and its two ranges.
        Assert.Equal((11, 3), (cost.ActivityCalls, cost.Orchestrations));
        Assert.Equal(2, cost.StorageRequests["blob.read"]);
        Assert.Equal(4 + 2 + 1 + 1 + 1, cost.StorageRequests["blob.write"]);
    }
}
