using Serverless.Costs;

namespace Serverless.Tests.Costs;

public sealed class UsageTests
{
    [Fact]
    public void Add_SumsEveryFieldAndMergesRequestKinds()
    {
        var a = new Usage(1.5, 1, 2, 0, new Dictionary<string, long> { ["blob.read"] = 3, ["blob.write"] = 1 });
        var b = new Usage(0.5, 0.25, 1, 4, new Dictionary<string, long> { ["blob.write"] = 2, ["blob.list"] = 1 });

        var sum = a.Add(b);

        Assert.Equal((2.0, 1.25, 3, 4), (sum.ActivitySeconds, sum.CpuSeconds, sum.ActivityCalls, sum.Orchestrations));
        Assert.Equal(new Dictionary<string, long> { ["blob.list"] = 1, ["blob.read"] = 3, ["blob.write"] = 3 }, sum.StorageRequests);
    }

    [Fact]
    public void Sum_SkipsMissingUsage_OfBlobsWrittenBeforeCallsRecordedIt()
    {
        var one = new Usage(1, 1, 1, 0, new Dictionary<string, long>());

        Assert.Equal(2, Usage.Sum([one, null, one]).ActivityCalls);
        Assert.Same(Usage.None, Usage.Sum([]));
    }
}
