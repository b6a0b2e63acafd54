using Serverless.Jobs;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Workloads;

public sealed class SleepWorkloadTests
{
    private readonly SleepWorkload _workload = new();

    [Theory]
    [InlineData(0)]
    [InlineData(250)]
    [InlineData(3_600_000)]
    public void DefaultShards_AnyDuration_GivesEight(long milliseconds)
    {
        // Act: a sleep's length says nothing about how many of them to run.
        var shards = _workload.DefaultShards(Specs.Parameters("milliseconds", milliseconds));

        // Assert
        Assert.Equal(JobLimits.DefaultShards, shards);
        Assert.Equal(8, shards);
    }
}
