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

    [Fact]
    public void IsSlowExecution_SameExecution_SameDrawAndAnotherAttemptDrawsAgain()
    {
        // Arrange: 10,000 first executions at 2%.
        var first = Enumerable.Range(0, 10_000).Where(i => SleepWorkload.IsSlowExecution(2, new ShardPosition(i, 10_000, Seed: 5))).ToList();

        // Act
        var again = Enumerable.Range(0, 10_000).Where(i => SleepWorkload.IsSlowExecution(2, new ShardPosition(i, 10_000, Seed: 5))).ToList();
        var secondAttempts = first.Where(i => SleepWorkload.IsSlowExecution(2, new ShardPosition(i, 10_000, 5, Attempt: 2))).ToList();

        // Assert: reproducible, about 2% (200 ± 4.5 standard deviations), and a second execution of a slow shard is slow only by its own draw.
        Assert.Equal(first, again);
        Assert.InRange(first.Count, 137, 263);
        Assert.InRange(secondAttempts.Count, 0, 15);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void IsSlowExecution_NoneOrAll_AsAsked(double percent)
    {
        // Act
        var slow = Enumerable.Range(0, 500).Count(i => SleepWorkload.IsSlowExecution(percent, new ShardPosition(i, 500, Seed: 1)));

        // Assert
        Assert.Equal(percent == 0 ? 0 : 500, slow);
    }

    [Fact]
    public void Plan_SlowExecution_SleepsSlowMilliseconds()
    {
        // Arrange
        var parameters = new SleepParameters(500, 50, 30_000);
        var positions = Enumerable.Range(0, 100).Select(i => new ShardPosition(i, 100, Seed: 3)).ToList();

        // Act
        var planned = positions.Select(p => _workload.Plan(parameters, p).Milliseconds).ToList();

        // Assert: each execution sleeps one of the two lengths, the slow one exactly when its draw says so.
        Assert.Equal(positions.Select(p => SleepWorkload.IsSlowExecution(50, p) ? 30_000 : 500), planned);
        Assert.Contains(30_000, planned);
        Assert.Contains(500, planned);
    }

    [Theory]
    [InlineData("""{ "slowExecutionPercent": -1 }""", "parameters.slowExecutionPercent")]
    [InlineData("""{ "slowExecutionPercent": 100.5 }""", "parameters.slowExecutionPercent")]
    [InlineData("""{ "slowExecutionPercent": "lots" }""", "parameters.slowExecutionPercent")]
    [InlineData("""{ "slowMilliseconds": -5 }""", "parameters.slowMilliseconds")]
    [InlineData("""{ "slowMilliseconds": 3600001 }""", "parameters.slowMilliseconds")]
    [InlineData("""{ "slowMilliseconds": 1.5 }""", "parameters.slowMilliseconds")]
    public void Validate_BadSlowParameter_NamesIt(string json, string field)
    {
        // Arrange
        var errors = new ValidationErrors();

        // Act
        _workload.Validate(JsonFieldReader.Properties(System.Text.Json.JsonDocument.Parse(json).RootElement), 1, errors);

        // Assert
        Assert.Equal([field], errors.ToDictionary().Keys);
    }

    [Fact]
    public void ReadParameters_SlowParametersLeftOut_NoSlowExecutionsOfThirtySeconds()
    {
        // Arrange
        var errors = new ValidationErrors();

        // Act
        var parameters = _workload.ReadParameters(new JsonFieldReader(Specs.Parameters("milliseconds", 500), "parameters.", errors), 1);

        // Assert
        Assert.True(errors.IsEmpty);
        Assert.Equal(new SleepParameters(500, 0, 30_000), parameters);
    }
}
