using Serverless.Orchestration;

namespace Serverless.Tests.Orchestration;

public sealed class BoundedFanOutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Hands out tasks the test completes by hand, and records how many were outstanding at each start.</summary>
    private sealed class ManualTasks : IDisposable
    {
        private readonly object _gate = new();
        private readonly TaskCompletionSource<int>[] _sources;
        private readonly SemaphoreSlim _started = new(0);
        private int _completedByTest;
        private int _observedByFanOut;

        public ManualTasks(int count)
        {
            _sources = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource<int>()).ToArray();
        }

        public List<int> StartOrder { get; } = [];

        public void Dispose() => _started.Dispose();

        public List<int> CompletedOrder { get; } = [];

        /// <summary>The most tasks ever started and not yet completed by the test, seen at any start.</summary>
        public int MaxOutstanding { get; private set; }

        /// <summary>The most tasks ever started and not yet handed to onCompleted, seen at any start.</summary>
        public int MaxUnobserved { get; private set; }

        public Task<int> Start(int index)
        {
            lock (_gate)
            {
                StartOrder.Add(index);
                MaxOutstanding = Math.Max(MaxOutstanding, StartOrder.Count - _completedByTest);
                MaxUnobserved = Math.Max(MaxUnobserved, StartOrder.Count - _observedByFanOut);
            }

            _started.Release();
            return _sources[index].Task;
        }

        public void OnCompleted(int result)
        {
            lock (_gate)
            {
                _observedByFanOut++;
                CompletedOrder.Add(result);
            }
        }

        public async Task WaitForStartsAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await _started.WaitAsync(Timeout), "The fan-out did not start the next task.");
            }
        }

        public int[] Pending()
        {
            lock (_gate)
            {
                return StartOrder.Where(i => !_sources[i].Task.IsCompleted).ToArray();
            }
        }

        public void Complete(int index)
        {
            lock (_gate)
            {
                _completedByTest++;
            }

            _sources[index].SetResult(index * 10);
        }
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(7, 1)]
    [InlineData(5, 5)]
    [InlineData(4, 10)]
    [InlineData(25, 4)]
    public async Task RunAsync_TasksCompletedOutOfOrder_NeverExceedsMaxInFlightAndKeepsIndexOrder(int count, int maxInFlight)
    {
        // Arrange
        using var tasks = new ManualTasks(count);

        // Act
        var run = BoundedFanOut.RunAsync(count, maxInFlight, tasks.Start, tasks.OnCompleted);
        await tasks.WaitForStartsAsync(Math.Min(count, maxInFlight));
        Assert.Equal(Enumerable.Range(0, Math.Min(count, maxInFlight)), tasks.StartOrder);
        while (tasks.Pending() is { Length: > 0 } pending)
        {
            // Complete the newest pending task first, so completions arrive out of index order.
            var startedBefore = tasks.StartOrder.Count;
            tasks.Complete(pending[^1]);
            if (startedBefore < count)
            {
                await tasks.WaitForStartsAsync(1);
            }
        }

        var results = await run.WaitAsync(Timeout);

        // Assert
        Assert.Equal(Enumerable.Range(0, count).Select(i => i * 10), results);
        Assert.Equal(Enumerable.Range(0, count), tasks.StartOrder);
        Assert.Equal(count, tasks.CompletedOrder.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => i * 10), tasks.CompletedOrder.Order());
        Assert.Equal(Math.Min(count, maxInFlight), tasks.MaxOutstanding);
        Assert.True(tasks.MaxUnobserved <= maxInFlight, $"{tasks.MaxUnobserved} tasks were outstanding at once, more than {maxInFlight}.");
    }

    [Fact]
    public async Task RunAsync_WindowFull_StartsNothingUntilOneCompletes()
    {
        // Arrange
        using var tasks = new ManualTasks(5);

        // Act
        var run = BoundedFanOut.RunAsync(5, 2, tasks.Start, tasks.OnCompleted);
        await tasks.WaitForStartsAsync(2);
        await Task.Delay(50);

        // Assert
        Assert.Equal([0, 1], tasks.StartOrder);
        Assert.False(run.IsCompleted);

        // Act: finishing one task opens exactly one slot.
        tasks.Complete(1);
        await tasks.WaitForStartsAsync(1);
        await Task.Delay(50);

        // Assert
        Assert.Equal([0, 1, 2], tasks.StartOrder);
        Assert.Equal([10], tasks.CompletedOrder);

        tasks.Complete(0);
        await tasks.WaitForStartsAsync(1);
        tasks.Complete(2);
        await tasks.WaitForStartsAsync(1);
        Assert.Equal([0, 1, 2, 3, 4], tasks.StartOrder);
        tasks.Complete(3);
        tasks.Complete(4);
        var results = await run.WaitAsync(Timeout);
        Assert.Equal([0, 10, 20, 30, 40], results);
    }

    [Fact]
    public async Task RunAsync_ZeroTasks_ReturnsEmptyWithoutStarting()
    {
        // Arrange
        var started = 0;

        // Act
        var results = await BoundedFanOut.RunAsync(0, 3, i => { started++; return Task.FromResult(i); }, _ => { });

        // Assert
        Assert.Empty(results);
        Assert.Equal(0, started);
    }

    [Fact]
    public async Task RunAsync_TaskFails_PropagatesTheException()
    {
        // Act
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => BoundedFanOut.RunAsync(
            3,
            2,
            i => i == 1 ? Task.FromException<int>(new InvalidOperationException("shard 1")) : Task.FromResult(i),
            _ => { }));

        // Assert
        Assert.Equal("shard 1", thrown.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task RunAsync_MaxInFlightBelowOne_Throws(int maxInFlight)
    {
        // Act / Assert
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => BoundedFanOut.RunAsync(3, maxInFlight, Task.FromResult, _ => { }));
    }
}
