using Serverless.Orchestration;

namespace Serverless.Tests.Orchestration;

public sealed class BatchSizerTests
{
    [Fact]
    public void MayStart_NoEstimate_OnlyProbes()
    {
        var sizer = new BatchSizer();

        Assert.True(sizer.MayStart(BatchSizer.ProbeActivities - 1));
        Assert.False(sizer.MayStart(BatchSizer.ProbeActivities));
        Assert.Equal(1, sizer.NextBatchSize(ready: 100, freeSlots: 100));
    }

    [Fact]
    public void NextBatchSize_MillisecondShards_GroupsUpToTheCap()
    {
        var sizer = new BatchSizer();
        sizer.Observe(2);

        Assert.True(sizer.MayStart(1_000));
        Assert.Equal(BatchSizer.MaxShardsPerActivity, sizer.NextBatchSize(ready: 1_000, freeSlots: 1_000));
    }

    [Fact]
    public void NextBatchSize_ShardsNearTheTarget_GroupsToTheTarget()
    {
        var sizer = new BatchSizer();
        sizer.Observe(40);
        sizer.Observe(60);

        // Mean 50 ms: five shards make a 250 ms call.
        Assert.Equal(5, sizer.NextBatchSize(ready: 1_000, freeSlots: 1_000));
    }

    [Fact]
    public void NextBatchSize_SecondLongShards_OnePerCall()
    {
        var sizer = new BatchSizer();
        sizer.Observe(1_000);

        Assert.Equal(1, sizer.NextBatchSize(ready: 50, freeSlots: 50));
    }

    [Theory]
    [InlineData(3, 100, 3)]
    [InlineData(100, 7, 7)]
    [InlineData(0, 10, 0)]
    [InlineData(10, 0, 0)]
    public void NextBatchSize_BoundedByReadyShardsAndFreeSlots(int ready, int freeSlots, int expected)
    {
        var sizer = new BatchSizer();
        sizer.Observe(1);

        Assert.Equal(expected, sizer.NextBatchSize(ready, freeSlots));
    }
}
