using Microsoft.DurableTask;
using Moq;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Orchestration.Activities;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Orchestration;

/// <summary>
/// The leaf's speculation step by step, on a scripted orchestration context: the test decides when each call
/// returns and what the orchestration clock says, so the order of events is exact.
/// </summary>
public sealed class LeafSpeculationTests
{
    private static readonly DateTime T0 = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>A context whose shard calls and timers complete when the test says so.</summary>
    private sealed class ScriptedContext
    {
        public ScriptedContext()
        {
            Mock.SetupGet(c => c.CurrentUtcDateTime).Returns(() => Now);
            Mock.Setup(c => c.CallActivityAsync<ShardCallResult>(It.Is<TaskName>(n => n.Name == nameof(RunShardsActivity)), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
                .Returns((TaskName _, object? input, TaskOptions? _) =>
                {
                    var call = (Input: (RunShardsInput)input!, Result: new TaskCompletionSource<ShardCallResult>());
                    Calls.Add(call);
                    return call.Result.Task;
                });
            Mock.Setup(c => c.CallActivityAsync<RangeSummary>(It.Is<TaskName>(n => n.Name == nameof(ReduceShardsActivity)), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
                .Returns((TaskName _, object? input, TaskOptions? _) =>
                {
                    Reduced = (ReduceShardsInput)input!;
                    return Task.FromResult(new RangeSummary(Reduced.Start, Reduced.End, Reduced.End - Reduced.Start, 0, "range"));
                });
            Mock.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
                .Returns((DateTime fireAt, CancellationToken token) =>
                {
                    var timer = (FireAt: fireAt, Token: token, Fired: new TaskCompletionSource());
                    Timers.Add(timer);
                    return timer.Fired.Task;
                });
        }

        public Mock<TaskOrchestrationContext> Mock { get; } = new();

        public DateTime Now { get; set; } = T0;

        public List<(RunShardsInput Input, TaskCompletionSource<ShardCallResult> Result)> Calls { get; } = [];

        public List<(DateTime FireAt, CancellationToken Token, TaskCompletionSource Fired)> Timers { get; } = [];

        public ReduceShardsInput? Reduced { get; private set; }

        public static string Blob(RunShardsInput input) => $"blob-{string.Join('+', input.Shards.Select(s => $"{s.Index}.{s.Attempt}"))}";

        /// <summary>Returns the call of <paramref name="index"/> (its first shard) at <paramref name="attempt"/> as succeeded.</summary>
        public void Succeed(int index, int attempt = 1)
        {
            var (input, result) = Calls.Single(c => c.Input.Shards[0].Index == index && c.Input.Shards[0].Attempt == attempt);
            result.SetResult(new ShardCallResult(Blob(input), [.. input.Shards.Select(s => new ShardCallOutcome(s.Index, s.Attempt, true, 500))]));
        }
    }

    private static RangeInput Range(SpeculationMode speculation) =>
        new("job", new ShardJob("montecarlo-pi", 6, 0, Specs.FastRetry()), 0, 6, Parallelism: 6, ShardsPerOrchestration: 500, Speculation: speculation);

    /// <summary>Probes 0-3 start; 1-3 return after 1 s, then 4 and 5 start and return 1 s later: five peers of 1 s, shard 0 still running.</summary>
    private static async Task<Task<RangeSummary>> RunUntilShardZeroIsAloneAsync(ScriptedContext context, SpeculationMode speculation)
    {
        var leaf = ShardRanges.RunAsync(context.Mock.Object, Range(speculation), _ => { });
        Assert.Equal([0, 1, 2, 3], context.Calls.Select(c => c.Input.Shards[0].Index));
        context.Now = T0.AddSeconds(1);
        foreach (var index in new[] { 1, 2, 3 })
        {
            context.Succeed(index);
        }

        await UntilAsync(() => context.Calls.Count == 6);
        context.Now = T0.AddSeconds(2);
        context.Succeed(4);
        context.Succeed(5);
        await Task.Yield();
        return leaf;
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    [Fact]
    public async Task RunAsync_StragglerAfterFivePeers_TimerAtThresholdThenBackupAndTheLoserIsNotReduced()
    {
        // Arrange: five peers took 1 s, so shard 0 (started at T0) is a straggler at T0 + max(3 × 1 s, 1 s + 1 s).
        var context = new ScriptedContext();
        var leaf = await RunUntilShardZeroIsAloneAsync(context, SpeculationMode.Auto);
        await UntilAsync(() => context.Timers.Count == 1);
        Assert.Equal(T0.AddSeconds(3), context.Timers[0].FireAt);
        Assert.Equal(6, context.Calls.Count);

        // Act: the timer fires; a backup of shard 0 starts as attempt 2, watching its original from the start.
        context.Now = T0.AddSeconds(3);
        context.Timers[0].Fired.SetResult();
        await UntilAsync(() => context.Calls.Count == 7);
        var backup = context.Calls[6].Input;
        Assert.Equal([new ShardAttempt(0, 2)], backup.Shards);
        Assert.True(backup.Backup);
        Assert.Equal(0, backup.WatchAfterMs);
        Assert.Equal(StragglerPolicy.Floor.TotalMilliseconds, context.Calls[0].Input.WatchAfterMs);

        // Act: the backup returns first; the leaf gives its told-to-stop original a grace period, which runs out.
        context.Now = T0.AddSeconds(4);
        context.Succeed(0, attempt: 2);
        await UntilAsync(() => context.Timers.Count == 2);
        Assert.Equal(T0.AddSeconds(9), context.Timers[1].FireAt);
        context.Timers[1].Fired.SetResult();
        await UntilAsync(() => leaf.IsCompleted);

        // Assert: the leaf ended without its original's result; the reducer gets the winner's blob, not the loser's.
        Assert.False(context.Calls[0].Result.Task.IsCompleted);
        var reduced = context.Reduced!;
        Assert.Equal(["blob-1.1", "blob-2.1", "blob-3.1", "blob-4.1", "blob-5.1", "blob-0.2"], reduced.CallBlobs);
        Assert.Equal([new ShardBackup(0, 2, Won: true)], reduced.Backups);
        Assert.Empty(reduced.Lost);
        Assert.Null(reduced.Losers);
        Assert.Equal(new RangeSummary(0, 6, 6, 0, "range"), await leaf);

        // Act / Assert: the loser returning now changes nothing the leaf produced.
        context.Succeed(0, attempt: 1);
        Assert.Same(reduced, context.Reduced);
        Assert.Equal(7, context.Calls.Count);
    }

    [Fact]
    public async Task RunAsync_OriginalReturnsBeforeItsBackup_OriginalWinsAndTheBackupIsALoser()
    {
        // Arrange: shard 0 backed up at T0 + 3 s.
        var context = new ScriptedContext();
        var leaf = await RunUntilShardZeroIsAloneAsync(context, SpeculationMode.Auto);
        await UntilAsync(() => context.Timers.Count == 1);
        context.Now = T0.AddSeconds(3);
        context.Timers[0].Fired.SetResult();
        await UntilAsync(() => context.Calls.Count == 7);

        // Act: the original returns first after all; the backup, within the grace period, later.
        context.Now = T0.AddSeconds(3.5);
        context.Succeed(0, attempt: 1);
        await UntilAsync(() => context.Timers.Count == 2);
        context.Succeed(0, attempt: 2);
        await UntilAsync(() => leaf.IsCompleted);

        // Assert: the original's result is taken and the backup is recorded as launched, not won; the backup's blob is
        // passed for its cost alone, and the grace timer is canceled.
        var reduced = context.Reduced!;
        Assert.Contains("blob-0.1", reduced.CallBlobs);
        Assert.DoesNotContain("blob-0.2", reduced.CallBlobs);
        Assert.Equal([new ShardBackup(0, 2, Won: false)], reduced.Backups);
        Assert.Equal(["blob-0.2"], reduced.Losers!.Blobs);
        Assert.True(context.Timers[1].Token.IsCancellationRequested);
    }

    [Fact]
    public async Task RunAsync_StragglerReturnsBeforeItsTimer_NoBackupAndTheTimerIsCanceled()
    {
        // Arrange: the wake-up for shard 0 is set for T0 + 3 s.
        var context = new ScriptedContext();
        var leaf = await RunUntilShardZeroIsAloneAsync(context, SpeculationMode.Auto);
        await UntilAsync(() => context.Timers.Count == 1);

        // Act: shard 0 returns just before.
        context.Now = T0.AddSeconds(2.5);
        context.Succeed(0);
        await UntilAsync(() => leaf.IsCompleted);

        // Assert: no backup, and the pending timer is canceled, since the engine would keep the orchestration open until it fired.
        Assert.Equal(6, context.Calls.Count);
        Assert.Null(context.Reduced!.Backups);
        Assert.True(context.Timers[0].Token.IsCancellationRequested);
        Assert.False(context.Timers[0].Fired.Task.IsCompleted);
    }

    [Fact]
    public async Task RunAsync_SupersededResultArrivesFirst_LeafWaitsForThePartnersResult()
    {
        // Arrange: shard 0 backed up.
        var context = new ScriptedContext();
        var leaf = await RunUntilShardZeroIsAloneAsync(context, SpeculationMode.Auto);
        await UntilAsync(() => context.Timers.Count == 1);
        context.Now = T0.AddSeconds(3);
        context.Timers[0].Fired.SetResult();
        await UntilAsync(() => context.Calls.Count == 7);

        // Act: the original reports that it stopped because the backup's blob appeared, before the backup's own result.
        var stoppedUsed = new Serverless.Costs.Usage(2.5, 2, 1, 0, new Dictionary<string, long>());
        context.Calls[0].Result.SetResult(new ShardCallResult(null, [], Superseded: true, stoppedUsed));
        await Task.Delay(50);
        var doneBeforeBackup = leaf.IsCompleted;
        context.Succeed(0, attempt: 2);
        await UntilAsync(() => leaf.IsCompleted);

        // Assert
        Assert.False(doneBeforeBackup);
        Assert.Contains("blob-0.2", context.Reduced!.CallBlobs);
        Assert.Equal([new ShardBackup(0, 2, Won: true)], context.Reduced.Backups);
        Assert.Equal((0, stoppedUsed), (context.Reduced.Losers!.Blobs.Count, context.Reduced.Losers.Used));
    }

    [Fact]
    public async Task RunAsync_SpeculationOff_NoTimerNoBackupAndNoWatching()
    {
        // Arrange
        var context = new ScriptedContext();
        var leaf = await RunUntilShardZeroIsAloneAsync(context, SpeculationMode.Off);

        // Act: long past any threshold, shard 0 returns.
        context.Now = T0.AddMinutes(10);
        context.Succeed(0);
        await UntilAsync(() => leaf.IsCompleted);

        // Assert
        Assert.Empty(context.Timers);
        Assert.Equal(6, context.Calls.Count);
        Assert.All(context.Calls, c => Assert.Equal((false, (double?)null), (c.Input.Backup, c.Input.WatchAfterMs)));
        Assert.Null(context.Reduced!.Backups);
        Assert.Equal(6, context.Reduced.CallBlobs.Count);
    }
}
