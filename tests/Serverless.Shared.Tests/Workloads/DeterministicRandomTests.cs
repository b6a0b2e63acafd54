using Serverless.Workloads;

namespace Serverless.Tests.Workloads;

public sealed class DeterministicRandomTests
{
    private static ulong[] Take(long seed, long stream, int count)
    {
        var random = new DeterministicRandom(seed, stream);
        var values = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = random.NextUInt64();
        }

        return values;
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(42, 7)]
    [InlineData(long.MinValue, long.MaxValue)]
    public void NextUInt64_SameSeedAndStream_GivesSameSequence(long seed, long stream)
    {
        // Act
        var first = Take(seed, stream, 1000);
        var second = Take(seed, stream, 1000);

        // Assert
        Assert.Equal(first, second);
        Assert.True(first.Distinct().Count() > 990, "A 64-bit generator should not repeat within 1000 draws.");
    }

    [Fact]
    public void NextUInt64_DifferentStream_GivesDifferentSequence()
    {
        // Act
        var streams = Enumerable.Range(0, 50).Select(s => Take(42, s, 4)).ToList();

        // Assert: no two streams of the same seed share even their first value.
        Assert.Equal(50, streams.Select(s => s[0]).Distinct().Count());
    }

    [Fact]
    public void NextUInt64_DifferentSeed_GivesDifferentSequence()
    {
        // Act
        var seeds = Enumerable.Range(0, 50).Select(seed => Take(seed, 3, 4)).ToList();

        // Assert
        Assert.Equal(50, seeds.Select(s => s[0]).Distinct().Count());
    }

    [Fact]
    public void NextUInt64_ManyDraws_TopBitIsBalanced()
    {
        // Arrange
        var random = new DeterministicRandom(1, 1);
        var ones = 0;

        // Act
        for (var i = 0; i < 100_000; i++)
        {
            ones += (int)(random.NextUInt64() >> 63);
        }

        // Assert: 50,000 ± about 5 standard deviations (158 each).
        Assert.InRange(ones, 49_200, 50_800);
    }
}
