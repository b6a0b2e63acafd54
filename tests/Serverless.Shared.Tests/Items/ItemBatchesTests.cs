using Serverless.Items;

namespace Serverless.Tests.Items;

public sealed class ItemBatchesTests
{
    [Fact]
    public void Boundaries_ByCount_FullShardsThenTheRest()
    {
        // Arrange: 10 one-byte items, at most 4 per shard, bytes no limit.
        var sizes = Enumerable.Repeat(1L, 10).ToList();

        // Act
        var boundaries = ItemBatches.Boundaries(sizes, maxItems: 4, maxBytes: long.MaxValue);

        // Assert
        Assert.Equal([0, 4, 8, 10], boundaries);
    }

    [Fact]
    public void Boundaries_CountDividesExactly_NoEmptyLastShard()
    {
        // Act
        var boundaries = ItemBatches.Boundaries(Enumerable.Repeat(5L, 9).ToList(), maxItems: 3, maxBytes: 1_000);

        // Assert
        Assert.Equal([0, 3, 6, 9], boundaries);
    }

    [Fact]
    public void Boundaries_ByBytes_ShardTakesItemsWhileTheyFit()
    {
        // Arrange: at most 10 bytes per shard.
        //   items:  3  4  3 | 6  4 | 5  5 | 1
        long[] sizes = [3, 4, 3, 6, 4, 5, 5, 1];

        // Act
        var boundaries = ItemBatches.Boundaries(sizes, maxItems: 100, maxBytes: 10);

        // Assert
        Assert.Equal([0, 3, 5, 7, 8], boundaries);
    }

    [Fact]
    public void Boundaries_OversizedItem_GetsAShardOfItsOwn()
    {
        // Arrange: the 50-byte item alone exceeds the 10-byte limit.
        long[] sizes = [2, 2, 50, 2, 2];

        // Act
        var boundaries = ItemBatches.Boundaries(sizes, maxItems: 100, maxBytes: 10);

        // Assert
        Assert.Equal([0, 2, 3, 5], boundaries);
    }

    [Fact]
    public void Boundaries_OversizedFirstAndLastItems_EachAlone()
    {
        // Act
        var boundaries = ItemBatches.Boundaries([11, 1, 1, 12], maxItems: 100, maxBytes: 10);

        // Assert
        Assert.Equal([0, 1, 3, 4], boundaries);
    }

    [Fact]
    public void Boundaries_CountAndBytes_WhicheverLimitComesFirst()
    {
        // Arrange: at most 3 items and 10 bytes.
        //   1 1 1 | 9 | 4 4 1 | 1 1 1
        long[] sizes = [1, 1, 1, 9, 4, 4, 1, 1, 1, 1];

        // Act
        var boundaries = ItemBatches.Boundaries(sizes, maxItems: 3, maxBytes: 10);

        // Assert
        Assert.Equal([0, 3, 4, 7, 10], boundaries);
    }

    [Fact]
    public void Boundaries_ZeroByteItems_LimitedByCountOnly()
    {
        // Act
        var boundaries = ItemBatches.Boundaries(Enumerable.Repeat(0L, 5).ToList(), maxItems: 2, maxBytes: 1);

        // Assert
        Assert.Equal([0, 2, 4, 5], boundaries);
    }

    [Fact]
    public void Boundaries_EmptyInput_OneEmptyShard()
    {
        // Act
        var boundaries = ItemBatches.Boundaries([], maxItems: 10, maxBytes: 10);

        // Assert: shard 0 holds items [0, 0).
        Assert.Equal([0, 0], boundaries);
    }

    [Fact]
    public void Boundaries_OneItemPerShard_EveryIndex()
    {
        // Act
        var boundaries = ItemBatches.Boundaries([7, 7, 7], maxItems: 1, maxBytes: 1_000);

        // Assert
        Assert.Equal([0, 1, 2, 3], boundaries);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Boundaries_RandomSizes_StrictlyIncreasingCoverEveryItemAndRespectLimits(int seed)
    {
        // Arrange
        var random = new Random(seed);
        var count = random.Next(1, 500);
        var sizes = Enumerable.Range(0, count).Select(_ => (long)random.Next(0, 300)).ToList();
        var maxItems = random.Next(1, 40);
        var maxBytes = random.Next(1, 2_000);

        // Act
        var boundaries = ItemBatches.Boundaries(sizes, maxItems, maxBytes);

        // Assert: b[0] = 0, b[^1] = n, strictly increasing, so shards are non-empty and cover [0, n) once in order.
        Assert.Equal(0, boundaries[0]);
        Assert.Equal(count, boundaries[^1]);
        for (var n = 0; n + 1 < boundaries.Count; n++)
        {
            var (start, end) = (boundaries[n], boundaries[n + 1]);
            Assert.True(start < end, $"Shard {n} is [{start}, {end}).");
            var bytes = sizes.Skip(start).Take(end - start).Sum();
            Assert.True(end - start <= maxItems, $"Shard {n} holds {end - start} items, more than {maxItems}.");
            Assert.True(bytes <= maxBytes || end - start == 1, $"Shard {n} holds {bytes} bytes in {end - start} items, more than {maxBytes}.");

            // Greedy: the next item would not have fitted (count or bytes), else the shard would have taken it.
            if (end < count)
            {
                Assert.True(end - start == maxItems || bytes + sizes[end] > maxBytes, $"Shard {n} stopped at {end} although item {end} fitted.");
            }
        }
    }

    [Fact]
    public void Boundaries_SameInputTwice_SameBoundaries()
    {
        // Arrange: planning and every shard compute the boundaries separately; they must agree.
        var random = new Random(99);
        var sizes = Enumerable.Range(0, 1_000).Select(_ => (long)random.Next(0, 100)).ToList();

        // Act
        var first = ItemBatches.Boundaries(sizes, 17, 400);
        var second = ItemBatches.Boundaries([.. sizes], 17, 400);

        // Assert
        Assert.Equal(first, second);
    }
}
