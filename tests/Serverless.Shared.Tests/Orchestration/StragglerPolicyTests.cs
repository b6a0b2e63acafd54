using Serverless.Orchestration;

namespace Serverless.Tests.Orchestration;

public sealed class StragglerPolicyTests
{
    private static readonly DateTime Start = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);

    private static StragglerPolicy After(params double[] seconds)
    {
        var policy = new StragglerPolicy();
        foreach (var s in seconds)
        {
            policy.Observe(TimeSpan.FromSeconds(s));
        }

        return policy;
    }

    [Fact]
    public void Threshold_FewerThanMinimumPeers_IsNull()
    {
        // Arrange: one peer short of the minimum.
        var policy = After([.. Enumerable.Repeat(0.5, StragglerPolicy.MinFinishedPeers - 1)]);

        // Act / Assert: no call is a straggler yet, however long it runs.
        Assert.Null(policy.Threshold);
        Assert.Null(policy.StragglerAt(Start));
    }

    [Fact]
    public void Threshold_LongCalls_IsThreeTimesTheMedian()
    {
        // Arrange: median 10 s, so 3 × 10 s beats 10 s + the floor.
        var policy = After(9, 10, 100, 10, 11);

        // Act / Assert
        Assert.Equal(TimeSpan.FromSeconds(30), policy.Threshold);
        Assert.Equal(Start.AddSeconds(30), policy.StragglerAt(Start));
    }

    [Fact]
    public void Threshold_ShortCalls_IsMedianPlusTheFloor()
    {
        // Arrange: median 0.2 s; 3 × 0.2 s would back up calls that only waited in a queue.
        var policy = After(0.2, 0.1, 0.3, 0.2, 0.25);

        // Act / Assert
        Assert.Equal(TimeSpan.FromSeconds(0.2) + StragglerPolicy.Floor, policy.Threshold);
    }

    [Fact]
    public void Threshold_EvenNumberOfPeers_UsesTheMeanOfTheMiddleTwo()
    {
        // Arrange: sorted 2, 4, 6, 8, 10, 12: median 7 s, whatever the order they finished in.
        var policy = After(12, 2, 10, 4, 8, 6);

        // Act / Assert
        Assert.Equal(TimeSpan.FromSeconds(21), policy.Threshold);
    }

    [Fact]
    public void Threshold_OneSlowPeer_BarelyMovesIt()
    {
        // Arrange: a straggler that did finish is a peer too, but the median ignores its size.
        var fast = After(1, 1, 1, 1, 1, 1);
        var withSlow = After(1, 1, 1, 1, 1, 1, 300);

        // Act / Assert
        Assert.Equal(fast.Threshold, withSlow.Threshold);
        Assert.Equal(TimeSpan.FromSeconds(3), withSlow.Threshold);
    }

    [Fact]
    public void Observe_NegativeDuration_CountsAsZero()
    {
        // Arrange: clocks of different episodes can disagree a little.
        var policy = After(-1, 0, 0, 0, 0);

        // Act / Assert
        Assert.Equal(StragglerPolicy.Floor, policy.Threshold);
    }

    [Fact]
    public void StragglerAt_SameObservations_SameAnswer()
    {
        // Arrange: what a replay sees.
        double[] durations = [0.4, 0.6, 0.5, 0.7, 0.5, 0.45];

        // Act
        var first = After(durations).StragglerAt(Start);
        var replayed = After(durations).StragglerAt(Start);

        // Assert
        Assert.Equal(first, replayed);
        Assert.Equal(Start + TimeSpan.FromSeconds(0.5) + StragglerPolicy.Floor, first);
    }
}
