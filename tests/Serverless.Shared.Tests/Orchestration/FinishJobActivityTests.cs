using System.Text.Json;
using Serverless.Costs;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Orchestration.Activities;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Orchestration;

public sealed class FinishJobActivityTests
{
    private const string JobId = "job-finish";
    private static readonly DateTimeOffset Now = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly InMemoryBlobStore _blobs = new();
    private readonly WorkloadCatalog _catalog = Specs.Catalog();
    private readonly RangeReducer _reducer;
    private readonly JobDocuments _documents;
    private readonly FinishJobActivity _finish;

    public FinishJobActivityTests()
    {
        _reducer = new RangeReducer(_catalog, _blobs);
        _documents = new JobDocuments(_blobs);
        _finish = new FinishJobActivity(_catalog, _blobs, _reducer, _documents, new FixedTimeProvider(Now), new CostPrices());
    }

    private static RangeSummary Root(int succeeded, int failed) => new(0, succeeded + failed, succeeded, failed, "results/j/ranges/0-1.json");

    [Fact]
    public void Judge_NoFailures_Completed()
    {
        // Act
        var (status, error) = FinishJobActivity.Judge(Specs.Flaky(10, [], 0), Root(10, 0));

        // Assert
        Assert.Equal(JobResultStatus.Completed, status);
        Assert.Null(error);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(5, 2)]
    [InlineData(9.99, 1)]
    [InlineData(50, 6)]
    public void Judge_FailedShareAboveTolerance_Failed(double tolerance, int failed)
    {
        // Act
        var (status, error) = FinishJobActivity.Judge(Specs.Flaky(10, [], 0, toleratedFailurePercent: tolerance), Root(10 - failed, failed));

        // Assert
        Assert.Equal(JobResultStatus.Failed, status);
        Assert.Contains($"{failed} of 10 shards failed", error, StringComparison.Ordinal);
        Assert.Contains("more than the tolerated", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(50, 5)]
    [InlineData(25, 1)]
    public void Judge_FailedShareWithinTolerance_CompletedWithFailures(double tolerance, int failed)
    {
        // Act
        var (status, error) = FinishJobActivity.Judge(Specs.Flaky(10, [], 0, toleratedFailurePercent: tolerance), Root(10 - failed, failed));

        // Assert
        Assert.Equal(JobResultStatus.CompletedWithFailures, status);
        Assert.Contains("within the tolerated", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void Judge_AllFailedEvenAtFullTolerance_Failed(int shards)
    {
        // Act
        var (status, _) = FinishJobActivity.Judge(Specs.Flaky(shards, [], 0, toleratedFailurePercent: 100), Root(0, shards));

        // Assert
        Assert.Equal(JobResultStatus.Failed, status);
    }

    /// <summary>Runs the job's shards (one call each, so each shard has its own blob) and reduces them as two leaf ranges merged.</summary>
    private async Task<RangeSummary> ReduceAsync(JobSpec spec, HashSet<int> failed)
    {
        await _documents.StoreSpecAsync(JobId, spec);
        var run = new RunShardsActivity(_catalog, _blobs, _documents);
        var job = new ShardJob(spec.Workload, spec.Shards, spec.Seed, spec.Retry);
        var blobs = new List<string>();
        var lost = new List<ShardResult>();
        for (var i = 0; i < spec.Shards; i++)
        {
            if (failed.Contains(i))
            {
                lost.Add(new ShardResult(i, spec.Retry.MaxAttempts, ShardStatus.Failed, null, 0, $"boom {i}"));
                continue;
            }

            blobs.Add((await run.ExecuteAsync(new RunShardsInput(JobId, job, [new ShardAttempt(i, 1)]))).Blob!);
        }

        var half = spec.Shards / 2;
        var left = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, half, blobs, [.. lost.Where(r => r.Index < half)]));
        var right = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, half, spec.Shards, blobs, [.. lost.Where(r => r.Index >= half)]));
        return await _reducer.MergeRangesAsync(new MergeRangesInput(JobId, spec.Workload, 0, spec.Shards, [left, right]));
    }

    [Fact]
    public async Task ExecuteAsync_AllSucceeded_WritesResultAndManifestWithEveryShardOnce()
    {
        // Arrange
        var spec = Specs.MonteCarlo(shards: 8, samples: 80_000, seed: 9);
        var root = await ReduceAsync(spec, new HashSet<int>());

        // Act
        var outcome = await _finish.ExecuteAsync(new FinishJobInput(JobId, spec.Shards, root));

        // Assert: outcome
        Assert.Equal(JobResultStatus.Completed, outcome.Status);
        Assert.Equal((8, 8, 0), (outcome.TotalShards, outcome.SucceededShards, outcome.FailedShards));
        Assert.Empty(outcome.FailedShardIndexes);
        Assert.Null(outcome.Error);
        Assert.Equal(new JobBlobs(JobBlobLayout.Result(JobId), JobBlobLayout.Manifest(JobId), JobBlobLayout.ShardsFolder(JobId)), outcome.Blobs);

        // Assert: manifest
        var manifest = JobJson.Deserialize<JobManifest>(_blobs.Get(JobBlobLayout.Manifest(JobId)));
        Assert.Equal(Enumerable.Range(0, 8), manifest.Shards.Select(s => s.Index));
        Assert.All(manifest.Shards, s => Assert.Equal(JobBlobLayout.Call(JobId, [new ShardAttempt(s.Index, 1)], 0), s.Blob));
        Assert.Equal(JobResultStatus.Completed, manifest.Status);
        Assert.Equal(JobBlobLayout.Result(JobId), manifest.ResultBlob);
        Assert.Equal(Now, manifest.WrittenAt);
        Assert.Equal("montecarlo-pi", manifest.Workload);

        // Assert: result, equal to running the shards directly.
        var document = JobJson.Deserialize<JobResultDocument>(_blobs.Get(JobBlobLayout.Result(JobId)));
        var workload = new MonteCarloPiWorkload();
        var parameters = new MonteCarloPiParameters(80_000);
        var inside = Enumerable.Range(0, 8).Sum(i => MonteCarloPiWorkload.CountInside(workload.Plan(parameters, new ShardPosition(i, 8, 9))));
        Assert.Equal(inside, document.Result.GetProperty("inside").GetInt64());
        Assert.Equal(4.0 * inside / 80_000, document.Result.GetProperty("estimate").GetDouble(), 12);
        Assert.True(JsonElement.DeepEquals(document.Result, outcome.Result!.Value));
        Assert.Equal(JobResultStatus.Completed, document.Status);
    }

    [Fact]
    public async Task ExecuteAsync_FailuresWithinTolerance_WritesResultFlaggedWithFailures()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 10, failShards: [], failAttempts: 0, toleratedFailurePercent: 20);
        var root = await ReduceAsync(spec, new HashSet<int> { 2, 7 });

        // Act
        var outcome = await _finish.ExecuteAsync(new FinishJobInput(JobId, spec.Shards, root));

        // Assert
        Assert.Equal(JobResultStatus.CompletedWithFailures, outcome.Status);
        Assert.Equal([2, 7], outcome.FailedShardIndexes);
        var document = JobJson.Deserialize<JobResultDocument>(_blobs.Get(JobBlobLayout.Result(JobId)));
        Assert.Equal(8, document.Result.GetProperty("count").GetInt64());
        Assert.Equal(45 - 2 - 7, document.Result.GetProperty("indexSum").GetInt64());
        var manifest = JobJson.Deserialize<JobManifest>(_blobs.Get(JobBlobLayout.Manifest(JobId)));
        Assert.Equal(Enumerable.Range(0, 10), manifest.Shards.Select(s => s.Index));
        Assert.Equal("boom 7", manifest.Shards[7].Error);
        Assert.Equal((8, 2), (manifest.SucceededShards, manifest.FailedShards));
    }

    [Fact]
    public async Task ExecuteAsync_FailuresAboveTolerance_WritesManifestButNoResult()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 4, failShards: [], failAttempts: 0, toleratedFailurePercent: 10);
        var root = await ReduceAsync(spec, new HashSet<int> { 1 });

        // Act
        var outcome = await _finish.ExecuteAsync(new FinishJobInput(JobId, spec.Shards, root));

        // Assert
        Assert.Equal(JobResultStatus.Failed, outcome.Status);
        Assert.Null(outcome.Result);
        Assert.Null(outcome.Blobs.Result);
        Assert.Contains("1 of 4 shards failed (25%)", outcome.Error, StringComparison.Ordinal);
        Assert.False(_blobs.Contains(JobBlobLayout.Result(JobId)));
        var manifest = JobJson.Deserialize<JobManifest>(_blobs.Get(JobBlobLayout.Manifest(JobId)));
        Assert.Equal(JobResultStatus.Failed, manifest.Status);
        Assert.Null(manifest.ResultBlob);
        Assert.Equal(Enumerable.Range(0, 4), manifest.Shards.Select(s => s.Index));
        Assert.Equal([ShardStatus.Succeeded, ShardStatus.Failed, ShardStatus.Succeeded, ShardStatus.Succeeded], manifest.Shards.Select(s => s.Status));
    }

    [Fact]
    public async Task ExecuteAsync_AllFailed_WritesManifestButNoResult()
    {
        // Arrange
        var spec = Specs.Flaky(shards: 2, failShards: [], failAttempts: 0, toleratedFailurePercent: 100);
        var root = await ReduceAsync(spec, new HashSet<int> { 0, 1 });

        // Act
        var outcome = await _finish.ExecuteAsync(new FinishJobInput(JobId, spec.Shards, root));

        // Assert
        Assert.Equal(JobResultStatus.Failed, outcome.Status);
        Assert.Equal([0, 1], outcome.FailedShardIndexes);
        Assert.False(_blobs.Contains(JobBlobLayout.Result(JobId)));
        Assert.Equal(1, _blobs.WriteCount(JobBlobLayout.Manifest(JobId)));
    }
}
