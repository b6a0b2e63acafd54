using Serverless.Local.Tests.Fixtures;

namespace Serverless.Local.Tests.Engine;

/// <summary>
/// Short queue visibility timeouts let a crashed worker's work be taken over within seconds (the fault suite
/// kills hosts); a shard that runs longer than the timeout still keeps its message hidden (the activity
/// dispatcher renews it) and runs once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CrashRecoveryTests
{
    private readonly AzuriteFixture _azurite;

    public CrashRecoveryTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    [Fact]
    public async Task ShardLongerThanVisibilityTimeout_RunsOnce()
    {
        // The dispatcher renews every 5 s, so a timeout of 5 s would leave the message visible for a moment before
        // each renewal; 10 s leaves a margin and is still well under the shard's 25 s.
        await using var host = await TestHost.StartAsync(_azurite, visibilityTimeout: TimeSpan.FromSeconds(10));

        var job = await host.SubmitAsync(new { workload = "flaky", shards = 1, parameters = new { milliseconds = 25_000 } });
        var status = await host.WaitAsync(job.Id, TimeSpan.FromSeconds(50));

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        Assert.Equal(1, status.GetProperty("output").GetProperty("result").GetInt64());
        Assert.Equal([0], host.Flaky.Started);
        Assert.Equal([0], host.Flaky.Ran);
    }
}
