using Serverless.Items;

namespace Serverless.Tests.Items;

public sealed class ByteRangesTests
{
    [Fact]
    public void Split_EmptyBlob_OneEmptyRange()
    {
        // Act
        var ranges = ByteRanges.Split(0, 10);

        // Assert
        Assert.Equal([new ByteRange(0, 0)], ranges);
    }

    [Fact]
    public void Split_OneByte_OneRangeOfOneByte()
    {
        // Act
        var ranges = ByteRanges.Split(1, 10);

        // Assert
        Assert.Equal([new ByteRange(0, 1)], ranges);
    }

    [Fact]
    public void Split_ExactMultiple_FullRangesOnly()
    {
        // Act
        var ranges = ByteRanges.Split(30, 10);

        // Assert
        Assert.Equal([new ByteRange(0, 10), new ByteRange(10, 20), new ByteRange(20, 30)], ranges);
    }

    [Fact]
    public void Split_Remainder_LastRangeShorter()
    {
        // Act
        var ranges = ByteRanges.Split(25, 10);

        // Assert
        Assert.Equal([new ByteRange(0, 10), new ByteRange(10, 20), new ByteRange(20, 25)], ranges);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(999, 7)]
    [InlineData(1000, 1000)]
    [InlineData(1001, 1000)]
    [InlineData(64L << 20, 3L << 20)]
    public void Split_AnySize_RangesCoverTheBlobInOrderWithinTheLimit(long size, long maxBytes)
    {
        // Act
        var ranges = ByteRanges.Split(size, maxBytes);

        // Assert: contiguous from 0 to size, none empty or over the limit, and no more of them than needed.
        Assert.Equal(0, ranges[0].Start);
        Assert.Equal(size, ranges[^1].End);
        for (var i = 1; i < ranges.Count; i++)
        {
            Assert.Equal(ranges[i - 1].End, ranges[i].Start);
        }

        Assert.All(ranges, r => Assert.InRange(r.Length, 1, maxBytes));
        Assert.Equal((size + maxBytes - 1) / maxBytes, ranges.Count);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(10, 0)]
    public void Split_NegativeSizeOrNoBytesPerShard_Throws(long size, long maxBytes)
    {
        // Act & Assert
        Assert.Throws<ArgumentOutOfRangeException>(() => ByteRanges.Split(size, maxBytes));
    }
}
