using Microsoft.DurableTask.Client;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Tests.Orchestration;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Engine;

/// <summary>
/// The Functions app's <see cref="IJobEngine"/> adapter, method by method, over a real
/// <see cref="DurableTaskClient"/>: the SDK's gRPC client against the in-process engine (the Functions host
/// itself cannot run here). Raising an event is tested in GpuStageTests, where a waiting GPU stage receives it.
/// </summary>
public sealed class DurableClientEngineTests : IClassFixture<DurableHostFixture>
{
    private readonly DurableHostFixture _fixture;
    private readonly DurableClientEngine _engine;

    public DurableClientEngineTests(DurableHostFixture fixture)
    {
        _fixture = fixture;
        _engine = new DurableClientEngine(fixture.Client);
    }

    private static JobInput Slow(int shards, int delayMs) =>
        new(Specs.Flaky(shards, failShards: [], failAttempts: 0, maxParallelism: 1, delayMs: delayMs), ShardsPerOrchestration: 2);

    private async Task<EngineInstance> WaitForAsync(string instanceId, Func<EngineInstance, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var instance = await _engine.GetAsync(instanceId);
            if (instance is not null && until(instance))
            {
                return instance;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{instanceId} is {instance?.Status.ToString() ?? "missing"}.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task StartJobAsync_ThenGetAsync_CompletesWithInputAndOutput()
    {
        var jobId = Guid.NewGuid().ToString("N");

        await _engine.StartJobAsync(jobId, Slow(shards: 1, delayMs: 0), onlyIfNew: false);
        var done = await WaitForAsync(jobId, i => i.IsFinished);

        Assert.Equal((nameof(JobOrchestrator), OrchestrationRuntimeStatus.Completed), (done.Name, done.Status));
        Assert.Equal(1, done.ReadInput<JobInput>()!.Spec.Shards);
        Assert.Equal(1, done.ReadOutput<JobOutcome>()!.SucceededShards);
        Assert.Null(await _engine.GetAsync("missing-" + jobId));
    }

    [Fact]
    public async Task StartJobAsync_OnlyIfNewOnAnExistingId_Throws()
    {
        var jobId = Guid.NewGuid().ToString("N");
        await _engine.StartJobAsync(jobId, Slow(shards: 1, delayMs: 0), onlyIfNew: false);
        await WaitForAsync(jobId, i => i.IsFinished);

        await Assert.ThrowsAnyAsync<Exception>(() => _engine.StartJobAsync(jobId, Slow(shards: 1, delayMs: 0), onlyIfNew: true));
    }

    [Fact]
    public async Task ListRangesAsync_JobWithRanges_ListsThemByStatus()
    {
        var jobId = Guid.NewGuid().ToString("N");
        await _engine.StartJobAsync(jobId, Slow(shards: 4, delayMs: 0), onlyIfNew: false);
        await WaitForAsync(jobId, i => i.IsFinished);

        var completed = new List<string>();
        await foreach (var range in _engine.ListRangesAsync(jobId, [OrchestrationRuntimeStatus.Completed]))
        {
            completed.Add(range.InstanceId);
        }

        Assert.Equal([$"{jobId}:0-2", $"{jobId}:2-4"], completed.Order(StringComparer.Ordinal));
        await foreach (var running in _engine.ListRangesAsync(jobId, [OrchestrationRuntimeStatus.Running]))
        {
            Assert.Fail($"{running.InstanceId} still runs.");
        }
    }

    [Fact]
    public async Task SuspendResumeTerminate_RunningJob_GoesSuspendedRunningThenTerminated()
    {
        var jobId = Guid.NewGuid().ToString("N");
        await _engine.StartJobAsync(jobId, Slow(shards: 1, delayMs: 20_000), onlyIfNew: false);
        await WaitForAsync(jobId, i => i.Status == OrchestrationRuntimeStatus.Running);

        await _engine.SuspendAsync(jobId, "test");
        await WaitForAsync(jobId, i => i.Status == OrchestrationRuntimeStatus.Suspended);
        await _engine.ResumeAsync(jobId, "test");
        await WaitForAsync(jobId, i => i.Status == OrchestrationRuntimeStatus.Running);
        await _engine.TerminateAsync(jobId, "test");

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await WaitForAsync(jobId, i => i.IsFinished)).Status);
    }

    [Fact]
    public async Task PurgeAsync_FinishedJob_RemovesItOnce()
    {
        var jobId = Guid.NewGuid().ToString("N");
        await _engine.StartJobAsync(jobId, Slow(shards: 1, delayMs: 0), onlyIfNew: false);
        await WaitForAsync(jobId, i => i.IsFinished);

        Assert.True(await _engine.PurgeAsync(jobId));
        Assert.Null(await _engine.GetAsync(jobId));
        Assert.False(await _engine.PurgeAsync(jobId));
    }
}
