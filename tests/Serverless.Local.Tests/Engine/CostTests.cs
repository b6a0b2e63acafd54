using Azure.Storage.Blobs.Models;
using Serverless.Costs;
using Serverless.Jobs;
using Serverless.Local.Tests.Fixtures;
using Xunit.Abstractions;

namespace Serverless.Local.Tests.Engine;

/// <summary>
/// A job's cost on Azurite, where every blob request really goes out through the counting pipeline: the
/// manifest's counts match what the job did, and a shard costs the same in a job ten times larger.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CostTests : HostedTest
{
    private const int ShardsPerOrchestration = 500;
    private readonly ITestOutputHelper _output;

    public CostTests(AzuriteFixture azurite, ITestOutputHelper output)
        : base(azurite)
    {
        _output = output;
    }

    protected override Task<TestHost> StartHostAsync(AzuriteFixture azurite) => TestHost.StartAsync(azurite, shardsPerOrchestration: ShardsPerOrchestration);

    private async Task<(JobCost Cost, int CallBlobs)> RunAsync(int shards)
    {
        // Speculation off: a backup's loser writes a call blob of its own that no range counts, and the counts below are exact.
        var job = await Host.SubmitAsync(new { workload = "sleep", shards, maxParallelism = 1_000, speculation = "off", parameters = new { milliseconds = 0 } });
        var status = await Host.WaitAsync(job.Id, TimeSpan.FromMinutes(3));
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var manifest = await Host.ReadBlobAsync<JobManifest>(status.GetProperty("output").GetProperty("blobs").GetProperty("manifest").GetString()!);
        var callBlobs = 0;
        await foreach (var _ in Host.Results.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{job.Id}/shards/", CancellationToken.None))
        {
            callBlobs++;
        }

        var cost = manifest.Cost!;
        _output.WriteLine($"{shards:N0} shards, {callBlobs} shard calls: {JobJson.Serialize(cost)}");
        return (cost, callBlobs);
    }

    [Fact]
    public async Task SleepJobs_ThousandAndTenThousandShards_CountWhatTheyDidAndCostTheSamePerShard()
    {
        // The first job of a fresh host pays for JIT, which the batch sizer reads as slow shards: as bench scale does, not measured.
        await RunAsync(4);
        var small = await RunAsync(1_000);
        var large = await RunAsync(10_000);

        foreach (var ((cost, calls), shards) in new[] { (small, 1_000), (large, 10_000) })
        {
            var leaves = shards / ShardsPerOrchestration;
            // Shard calls, a reduce and a lookup per leaf, the merge, the spec, the finish; the job and its leaves.
            Assert.Equal(calls + (2 * leaves) + 3, cost.ActivityCalls);
            Assert.Equal(leaves + 1, cost.Orchestrations);
            // Each call blob written once and read by its reduce; each leaf record written, looked up and merged.
            Assert.InRange(cost.StorageRequests["blob.write"], calls + leaves + 1, calls + leaves + 10);
            Assert.InRange(cost.StorageRequests["blob.read"], calls + (2 * leaves), calls + (2 * leaves) + 10);
            Assert.True(cost.ActivitySeconds > 0);
        }

        var ratio = (large.Cost.Estimate.Total / 10_000) / (small.Cost.Estimate.Total / 1_000);
        _output.WriteLine($"cost per shard, 10,000 / 1,000 shards: {ratio:0.000}");
        Assert.InRange(ratio, 0.75m, 1.25m);
    }
}
