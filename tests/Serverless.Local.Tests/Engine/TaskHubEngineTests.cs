using System.Text.Json;
using Microsoft.DurableTask.Client;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Local.Tests.Fixtures;
using Serverless.Orchestration;

namespace Serverless.Local.Tests.Engine;

/// <summary>
/// The local host's <see cref="IJobEngine"/> adapter, method by method, against the real Durable Task engine
/// and Azure Storage provider on Azurite. (Raising an event is covered end to end by the GPU stage tests: the
/// stage's callback reaches the orchestration as an event.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TaskHubEngineTests : HostedTest
{
    public TaskHubEngineTests(AzuriteFixture azurite)
        : base(azurite)
    {
    }

    private IJobEngine Engine => Host.Host.Engine.Engine;

    protected override Task<TestHost> StartHostAsync(AzuriteFixture azurite) => TestHost.StartAsync(azurite, shardsPerOrchestration: 2, serveHttp: false);

    private static JobInput Sleep(int shards, int milliseconds, int maxParallelism = 1) =>
        new(new JobSpec("sleep", new Dictionary<string, JsonElement> { ["milliseconds"] = JsonSerializer.SerializeToElement(milliseconds) }, shards, maxParallelism, new RetrySpec(1, 0, 2, 0), 0, 0), ShardsPerOrchestration: 2);

    private async Task<EngineInstance> WaitForAsync(string instanceId, Func<EngineInstance, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var instance = await Engine.GetAsync(instanceId);
            if (instance is not null && until(instance))
            {
                return instance;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{instanceId} is {instance?.Status.ToString() ?? "missing"}.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task StartJobAsync_ThenGetAsync_RunsTheJobOrchestratorWithItsInputToCompletion()
    {
        var jobId = Guid.NewGuid().ToString("N");

        await Engine.StartJobAsync(jobId, Sleep(shards: 1, milliseconds: 0), onlyIfNew: false);
        var done = await WaitForAsync(jobId, i => i.IsFinished);

        Assert.Equal(nameof(JobOrchestrator), done.Name);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.Status);
        Assert.Equal("sleep", done.ReadInput<JobInput>()!.Spec.Workload);
        Assert.Equal(JobResultStatus.Completed, done.ReadOutput<JobOutcome>()!.Status);
        Assert.Equal(DateTimeKind.Utc, done.CreatedAt.UtcDateTime.Kind);
        Assert.InRange(done.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task GetAsync_UnknownInstance_ReturnsNull() =>
        Assert.Null(await Engine.GetAsync("no-such-" + Guid.NewGuid().ToString("N")));

    [Fact]
    public async Task StartJobAsync_OnlyIfNewOnAnExistingId_IsRefusedAndLeavesTheInstance_WithoutIt_RunsAgain()
    {
        var jobId = Guid.NewGuid().ToString("N");
        await Engine.StartJobAsync(jobId, Sleep(shards: 1, milliseconds: 0), onlyIfNew: false);
        var first = await WaitForAsync(jobId, i => i.IsFinished);

        await Assert.ThrowsAnyAsync<Exception>(() => Engine.StartJobAsync(jobId, Sleep(shards: 3, milliseconds: 0), onlyIfNew: true));
        var untouched = await Engine.GetAsync(jobId);
        Assert.Equal((OrchestrationRuntimeStatus.Completed, 1), (untouched!.Status, untouched.ReadInput<JobInput>()!.Spec.Shards));

        await Engine.StartJobAsync(jobId, Sleep(shards: 3, milliseconds: 0), onlyIfNew: false);
        var second = await WaitForAsync(jobId, i => i.IsFinished && i.ReadInput<JobInput>()!.Spec.Shards == 3);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, second.Status);
        Assert.True(second.CreatedAt >= first.CreatedAt);
    }

    [Fact]
    public async Task ListRangesAsync_JobWithRanges_ListsEveryRangeByStatusAndNoOtherJobsInstances()
    {
        var jobId = Guid.NewGuid().ToString("N");
        var otherId = Guid.NewGuid().ToString("N");
        await Engine.StartJobAsync(jobId, Sleep(shards: 4, milliseconds: 0, maxParallelism: 4), onlyIfNew: false);
        await Engine.StartJobAsync(otherId, Sleep(shards: 4, milliseconds: 0, maxParallelism: 4), onlyIfNew: false);
        await WaitForAsync(jobId, i => i.IsFinished);
        await WaitForAsync(otherId, i => i.IsFinished);

        var all = await RangesAsync(jobId);
        var running = await RangesAsync(jobId, OrchestrationRuntimeStatus.Running);
        var completed = await RangesAsync(jobId, OrchestrationRuntimeStatus.Completed);

        // 4 shards at 2 per orchestration: two ranges of two.
        Assert.Equal([$"{jobId}:0-2", $"{jobId}:2-4"], all.Select(r => r.InstanceId).Order(StringComparer.Ordinal));
        Assert.All(all, r => Assert.Equal(nameof(ShardRangeOrchestrator), r.Name));
        Assert.Empty(running);
        Assert.Equal(2, completed.Count);
    }

    private async Task<List<EngineInstance>> RangesAsync(string jobId, params OrchestrationRuntimeStatus[] statuses)
    {
        var ranges = new List<EngineInstance>();
        await foreach (var range in Engine.ListRangesAsync(jobId, statuses))
        {
            ranges.Add(range);
        }

        return ranges;
    }

    [Fact]
    public async Task TerminateAsync_RunningJob_EndsItTerminated()
    {
        var jobId = Guid.NewGuid().ToString("N");
        await Engine.StartJobAsync(jobId, Sleep(shards: 1, milliseconds: 30_000), onlyIfNew: false);
        await WaitForAsync(jobId, i => i.Status == OrchestrationRuntimeStatus.Running);

        await Engine.TerminateAsync(jobId, "test");

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await WaitForAsync(jobId, i => i.IsFinished)).Status);
    }

    [Fact]
    public async Task SuspendAsync_ThenResumeAsync_JobIsSuspendedThenFinishes()
    {
        var jobId = Guid.NewGuid().ToString("N");
        await Engine.StartJobAsync(jobId, Sleep(shards: 1, milliseconds: 1_000), onlyIfNew: false);
        await WaitForAsync(jobId, i => i.Status == OrchestrationRuntimeStatus.Running);

        await Engine.SuspendAsync(jobId, "test");
        await WaitForAsync(jobId, i => i.Status == OrchestrationRuntimeStatus.Suspended);
        // The shard finishes while the job is suspended; the job must not complete until it is resumed.
        await Task.Delay(2_000);
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, (await Engine.GetAsync(jobId))!.Status);
        await Engine.ResumeAsync(jobId, "test");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await WaitForAsync(jobId, i => i.IsFinished)).Status);
    }

    [Fact]
    public async Task PurgeAsync_FinishedJob_RemovesItOnce()
    {
        var jobId = Guid.NewGuid().ToString("N");
        await Engine.StartJobAsync(jobId, Sleep(shards: 1, milliseconds: 0), onlyIfNew: false);
        await WaitForAsync(jobId, i => i.IsFinished);

        Assert.True(await Engine.PurgeAsync(jobId));
        Assert.Null(await Engine.GetAsync(jobId));
        Assert.False(await Engine.PurgeAsync(jobId));
    }
}
