using Serverless.Orchestration;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Orchestration;

public sealed class ShardRangesTests
{
    public static TheoryData<int, int, int, int, int> SplitCases => new()
    {
        // start, end, parallelism, shardsPerOrchestration, expected child size
        { 0, 20, 20, 4, 16 },
        { 0, 5, 5, 4, 4 },
        { 0, 16, 100, 4, 4 },
        { 0, 17, 100, 4, 16 },
        { 0, 64, 3, 4, 16 },
        { 0, 65, 100, 4, 64 },
        { 0, 100_000, 1_000, 500, 500 },
        { 0, 100_000, 100, 10, 10_000 },
        { 16, 32, 16, 4, 4 },
        { 3, 1_000, 7, 2, 512 },
        { 0, 1_001, 1_000, 1_000, 1_000 },
    };

    private static ShardJob Job(int shards) => new("montecarlo-pi", shards, 0, Specs.FastRetry());

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Split_Range_ChildrenTileRangeWithinSizeCountAndParallelismBudget(int start, int end, int parallelism, int perOrchestration, int expectedChildSize)
    {
        // Arrange
        var range = new RangeInput("job", Job(end), start, end, parallelism, perOrchestration);

        // Act
        var children = ShardRanges.Split(range);

        // Assert: contiguous, covering [start, end), in order.
        Assert.Equal(start, children[0].Start);
        Assert.Equal(end, children[^1].End);
        for (var i = 1; i < children.Count; i++)
        {
            Assert.Equal(children[i - 1].End, children[i].Start);
        }

        // Each child has the smallest power-of-S size that keeps at most S children; all but the last are full.
        Assert.InRange(children.Count, 2, perOrchestration);
        Assert.All(children.SkipLast(1), c => Assert.Equal(expectedChildSize, c.Count));
        Assert.InRange(children[^1].Count, 1, expectedChildSize);
        Assert.True(IsPowerOf(expectedChildSize, perOrchestration));
        Assert.True(expectedChildSize == perOrchestration || (long)(expectedChildSize / perOrchestration) * perOrchestration < end - start, "A smaller power would also have fitted.");

        // Everything else is inherited, and concurrent children never exceed the parent's parallelism.
        Assert.All(children, c => Assert.Equal(range with { Start = c.Start, End = c.End, Parallelism = c.Parallelism }, c));
        var childParallelism = children[0].Parallelism;
        Assert.All(children, c => Assert.Equal(childParallelism, c.Parallelism));
        Assert.InRange(childParallelism, 1, Math.Min(parallelism, expectedChildSize));
        var concurrentChildren = Math.Max(1, parallelism / childParallelism);
        Assert.True(concurrentChildren * childParallelism <= parallelism, $"{concurrentChildren} children × {childParallelism} exceed {parallelism}.");
    }

    [Fact]
    public void Split_ChildrenSplitAgain_LeavesAreAtMostShardsPerOrchestration()
    {
        // Arrange
        var root = new RangeInput("job", Job(1_000), 0, 1_000, 50, 7);
        var leaves = new List<RangeInput>();
        var pending = new Stack<RangeInput>([root]);

        // Act: split the way ShardRanges.RunAsync does, down to ranges one orchestration runs.
        while (pending.TryPop(out var range))
        {
            if (range.Count <= range.ShardsPerOrchestration)
            {
                leaves.Add(range);
                continue;
            }

            foreach (var child in ShardRanges.Split(range))
            {
                pending.Push(child);
            }
        }

        // Assert: every shard is in exactly one leaf.
        var shards = leaves.SelectMany(l => Enumerable.Range(l.Start, l.Count)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 1_000), shards);
        Assert.All(leaves, l => Assert.InRange(l.Count, 1, 7));
        Assert.All(leaves, l => Assert.InRange(l.Parallelism, 1, 7));
    }

    [Fact]
    public void ChildInstanceId_Child_StartsWithJobIdAndColon()
    {
        // Arrange
        var child = new RangeInput("job42", Job(20), 16, 20, 4, 4);

        // Act
        var id = ShardRanges.ChildInstanceId("job42", child.Start, child.End, child.Redrive);

        // Assert
        Assert.Equal("job42:16-20", id);
    }

    private static bool IsPowerOf(long value, long root)
    {
        while (value > 1 && value % root == 0)
        {
            value /= root;
        }

        return value == 1;
    }
}
