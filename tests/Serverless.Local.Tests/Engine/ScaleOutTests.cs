using Serverless.Jobs;
using Serverless.Local.Tests.Fixtures;

namespace Serverless.Local.Tests.Engine;

/// <summary>Large jobs split into range sub-orchestrations; several hosts share one task hub.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScaleOutTests
{
    private readonly AzuriteFixture _azurite;

    public ScaleOutTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    [Fact]
    public async Task JobLargerThanOneOrchestration_RunsInRanges_ManifestListsEveryShardOnce()
    {
        await using var host = await TestHost.StartAsync(_azurite, shardsPerOrchestration: 10);

        var job = await host.SubmitAsync(new { workload = "sleep", shards = 230, maxParallelism = 40 });
        var status = await host.WaitAsync(job.Id, TimeSpan.FromMinutes(4));

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var manifest = await host.ReadBlobAsync<JobManifest>(status.GetProperty("blobs").GetProperty("manifest").GetString()!);
        Assert.Equal(Enumerable.Range(0, 230), manifest.Shards.Select(s => s.Index));
        Assert.Equal(230, status.GetProperty("output").GetProperty("result").GetProperty("shards").GetInt64());
        var ranges = new List<string>();
        await foreach (var blob in host.Results.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{job.Id}/ranges/", CancellationToken.None))
        {
            ranges.Add(blob.Name);
        }

        // 230 shards at 10 per orchestration: 23 leaves, 3 middle ranges of 100, and the root.
        Assert.Equal(27, ranges.Count);
    }

    [Fact]
    public async Task TwoHostsOnOneTaskHub_BothRunShards()
    {
        var hub = TestHost.NewHubName();
        await using var first = await TestHost.StartAsync(_azurite, hub);
        await using var second = await TestHost.StartAsync(_azurite, hub, serveHttp: false);

        // More shards in flight than one host runs at once (maxConcurrentActivityFunctions), so work waits in the
        // shared queue long enough for the second host to take some.
        var job = await first.SubmitAsync(new { workload = "flaky", shards = 100, maxParallelism = 100, parameters = new { milliseconds = 400 } });
        var status = await first.WaitAsync(job.Id);

        // Delivery is at least once: when the second host takes over partitions mid-run, a shard can run on
        // both. Every shard ran, and the job still counts each exactly once.
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        Assert.Equal(Enumerable.Range(0, 100), first.Flaky.Ran.Concat(second.Flaky.Ran).Distinct().Order());
        Assert.Equal(100, status.GetProperty("output").GetProperty("result").GetInt64());
        var manifest = await first.ReadBlobAsync<JobManifest>(status.GetProperty("blobs").GetProperty("manifest").GetString()!);
        Assert.Equal(Enumerable.Range(0, 100), manifest.Shards.Select(s => s.Index));
        Assert.NotEmpty(first.Flaky.Ran);
        Assert.NotEmpty(second.Flaky.Ran);
    }
}
