using Serverless.Jobs;

namespace Serverless.Tests.Jobs;

public sealed class RetrySpecTests
{
    [Theory]
    [InlineData(2, 1.5)]
    [InlineData(3, 3.0)]
    [InlineData(4, 6.0)]
    [InlineData(5, 12.0)]
    public void DelayBefore_UnderCap_GrowsExponentially(int nextAttempt, double expectedSeconds)
    {
        // Arrange
        var retry = new RetrySpec(10, 1.5, 2, 100);

        // Act
        var delay = retry.DelayBefore(nextAttempt);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(10)]
    [InlineData(1000)]
    public void DelayBefore_PastCap_IsCapped(int nextAttempt)
    {
        // Arrange: 1, 3, 9, 27, 81 ... capped at 30 seconds.
        var retry = new RetrySpec(10, 1, 3, 30);

        // Act
        var delay = retry.DelayBefore(nextAttempt);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(30), delay);
    }

    [Fact]
    public void DelayBefore_ZeroFirstInterval_IsZero()
    {
        // Arrange
        var retry = new RetrySpec(5, 0, 2, 0);

        // Act / Assert
        Assert.Equal(TimeSpan.Zero, retry.DelayBefore(2));
        Assert.Equal(TimeSpan.Zero, retry.DelayBefore(5));
    }

    [Fact]
    public void DelayBefore_DefaultSpec_StartsAtOneSecondAndDoubles()
    {
        // Act
        var delays = Enumerable.Range(2, 8).Select(RetrySpec.Default.DelayBefore).ToList();

        // Assert
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], delays.Select(d => d.TotalSeconds));
    }
}
