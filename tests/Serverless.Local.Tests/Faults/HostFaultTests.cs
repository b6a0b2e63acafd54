using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Jobs;
using Serverless.Local.Configuration;
using Serverless.Local.Storage;
using Serverless.Local.Tests.Fixtures;
using Xunit.Abstractions;
using static Serverless.Local.Tests.Fixtures.JobPolling;

namespace Serverless.Local.Tests.Faults;

/// <summary>
/// Crashes of what a job runs on, with real processes: <c>serve</c> killed with SIGKILL (alone, or one of two on a
/// task hub) and Azurite stopped and started again. Each job must end with its exact answer and every shard in its
/// manifest exactly once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostFaultTests
{
    private readonly AzuriteFixture _azurite;
    private readonly ITestOutputHelper _output;

    public HostFaultTests(AzuriteFixture azurite, ITestOutputHelper output)
    {
        _azurite = azurite;
        _output = output;
    }

    [Fact]
    public async Task OnlyHostKilledMidJob_RestartResumesWithinVisibilityTimeout_ExactAnswer()
    {
        var visibility = LocalSettings.Load(AzuriteFixture.AppRoot).Durable.WorkItemQueueVisibilityTimeout;
        var hub = TestHost.NewHubName();
        const long Limit = 1_000_000_000;
        const long PrimesBelowLimit = 50_847_534;
        const int Shards = 40;

        string jobId;
        int doneAtKill;
        using (var first = await ServeProcess.StartAsync(_azurite.ConnectionString, hub))
        {
            jobId = await first.SubmitAsync(new { workload = "primes", shards = Shards, maxParallelism = 2, parameters = new { limit = Limit } });
            doneAtKill = CompletedShards(await first.WaitForAsync(jobId, s => CompletedShards(s) >= 4, TimeSpan.FromSeconds(30)));
            first.Kill();
            Assert.True(doneAtKill < Shards, $"The job finished before the kill ({doneAtKill} shards).");
        }

        var restarted = DateTimeOffset.UtcNow;
        using var second = await ServeProcess.StartAsync(_azurite.ConnectionString, hub);
        // Resumed: the restarted host completed a shard. Its wait is the partition leases' expiry (30 s) and the
        // visibility timeout of the messages the killed host had taken, which run at the same time.
        await second.WaitForAsync(jobId, s => CompletedShards(s) > doneAtKill || IsFinished(s), TimeSpan.FromSeconds(60));
        var resumedAfter = DateTimeOffset.UtcNow - restarted;
        var status = await second.WaitForAsync(jobId, IsFinished, TimeSpan.FromSeconds(30));
        var finishedAfter = status.GetProperty("lastUpdatedTime").GetDateTimeOffset() - restarted;
        _output.WriteLine($"Killed with {doneAtKill} of {Shards} shards done; restart to first shard {resumedAfter.TotalSeconds:0.0} s, to finish {finishedAfter.TotalSeconds:0.0} s (visibility timeout {visibility.TotalSeconds:0} s).");

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        Assert.Equal(PrimesBelowLimit, status.GetProperty("output").GetProperty("result").GetProperty("primeCount").GetInt64());
        Assert.InRange(resumedAfter, TimeSpan.Zero, visibility + TimeSpan.FromSeconds(15));
        AssertEveryShardOnce(await second.ReadManifestAsync(jobId), Shards);
    }

    [Fact]
    public async Task OneOfTwoHostsKilled_TheOtherFinishesTheJob_ExactAnswer()
    {
        const int Shards = 200;
        const int Milliseconds = 1000;
        var hub = TestHost.NewHubName();
        using var survivor = await ServeProcess.StartAsync(_azurite.ConnectionString, hub);
        string jobId;
        string victimWorker;
        using (var victim = await ServeProcess.StartAsync(_azurite.ConnectionString, hub))
        {
            victimWorker = victim.Worker;
            // More shards in flight than one host's 32 activity slots, so the victim gets work from the hub's shared
            // work-item queue too; it is killed once it has finished a call.
            jobId = await survivor.SubmitAsync(new { workload = "sleep", shards = Shards, maxParallelism = 48, parameters = new { milliseconds = Milliseconds } });

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!(await survivor.CallWorkersAsync(jobId)).Contains(victimWorker))
            {
                Assert.True(DateTime.UtcNow < deadline, $"The second host ran no call: {victim.Log}");
                await Task.Delay(200);
            }

            victim.Kill();
        }

        var killed = DateTimeOffset.UtcNow;
        var status = await survivor.WaitForAsync(jobId, IsFinished, TimeSpan.FromSeconds(120));
        _output.WriteLine($"Finished {(status.GetProperty("lastUpdatedTime").GetDateTimeOffset() - killed).TotalSeconds:0.0} s after the kill.");

        AssertSleepResult(status, Shards, Milliseconds);
        var manifest = await survivor.ReadManifestAsync(jobId);
        AssertEveryShardOnce(manifest, Shards);
        Assert.Subset(new HashSet<string?> { survivor.Worker, victimWorker }, manifest.Shards.Select(s => s.Worker).ToHashSet());
        Assert.Contains(survivor.Worker, manifest.Shards.Select(s => s.Worker));
    }

    [Fact]
    public async Task AzuriteStoppedAndStartedMidJob_JobResumes_ExactAnswer()
    {
        const int Shards = 60;
        const int Milliseconds = 300;
        var location = Path.Combine(Path.GetTempPath(), $"azurite-restart-{Guid.NewGuid():N}");
        var azurite = await AzuriteProcess.StartAsync(AzuriteFixture.AppRoot, location, NullLogger.Instance, preferDefaultPorts: false);
        try
        {
            using var host = await ServeProcess.StartAsync(azurite.ConnectionString, TestHost.NewHubName());
            var jobId = await host.SubmitAsync(new { workload = "sleep", shards = Shards, maxParallelism = 6, parameters = new { milliseconds = Milliseconds } });
            var doneAtStop = CompletedShards(await host.WaitForAsync(jobId, s => CompletedShards(s) >= 6, TimeSpan.FromSeconds(60)));

            // Stopped as a restart stops it (state saved), down for a few seconds while the host keeps trying.
            var ports = azurite.Ports;
            await azurite.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
            azurite = await AzuriteProcess.StartAsync(AzuriteFixture.AppRoot, location, NullLogger.Instance, ports: ports);
            var restarted = DateTimeOffset.UtcNow;

            var status = await host.WaitForAsync(jobId, IsFinished, TimeSpan.FromSeconds(120));
            _output.WriteLine($"Stopped with {doneAtStop} of {Shards} shards done; finished {(DateTimeOffset.UtcNow - restarted).TotalSeconds:0.0} s after the restart.");
            Assert.True(doneAtStop < Shards, "The job finished before Azurite stopped.");
            AssertSleepResult(status, Shards, Milliseconds);
            AssertEveryShardOnce(await host.ReadManifestAsync(jobId), Shards);
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(location, recursive: true);
        }
    }

    /// <summary>Each shard of a sleep job counts itself once: a shard counted twice or lost shows in both sums.</summary>
    private static void AssertSleepResult(System.Text.Json.JsonElement status, int shards, int milliseconds)
    {
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var result = status.GetProperty("output").GetProperty("result");
        Assert.Equal((shards, (long)shards * milliseconds), (result.GetProperty("shards").GetInt32(), result.GetProperty("sleptMilliseconds").GetInt64()));
    }

    private static void AssertEveryShardOnce(JobManifest manifest, int shards)
    {
        Assert.Equal(Enumerable.Range(0, shards), manifest.Shards.Select(s => s.Index));
        Assert.All(manifest.Shards, s => Assert.Equal(ShardStatus.Succeeded, s.Status));
        Assert.Equal((shards, 0), (manifest.SucceededShards, manifest.FailedShards));
    }
}
