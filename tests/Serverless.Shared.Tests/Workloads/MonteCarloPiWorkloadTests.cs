using System.Text.Json;
using Serverless.Jobs;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Workloads;

public sealed class MonteCarloPiWorkloadTests
{
    private readonly MonteCarloPiWorkload _workload = new();

    // The engine only sees the JSON interface, found by name.
    private readonly IShardWorkload _untyped = (IShardWorkload)new WorkloadCatalog(WorkloadCatalog.BuiltIn(new InMemoryBlobStore())).Get("montecarlo-pi");

    [Theory]
    [InlineData(1_000_000, 7)]
    [InlineData(10, 10)]
    [InlineData(11, 10)]
    [InlineData(99, 100)]
    [InlineData(MonteCarloPiWorkload.MaxSamples, 99_991)]
    [InlineData(1, 1)]
    public void Plan_EveryShard_SamplesSumToTotalAndDifferByAtMostOne(long samples, int shards)
    {
        // Arrange
        var parameters = new MonteCarloPiParameters(samples);

        // Act
        var planned = Enumerable.Range(0, shards).Select(i => _workload.Plan(parameters, new ShardPosition(i, shards, 5))).ToList();

        // Assert
        Assert.Equal(samples, planned.Sum(s => s.Samples));
        Assert.True(planned.Max(s => s.Samples) - planned.Min(s => s.Samples) <= 1);
        Assert.Equal(Enumerable.Range(0, shards), planned.Select(s => s.Index));
        Assert.All(planned, s => Assert.Equal(5, s.Seed));
    }

    [Fact]
    public async Task RunShardAsync_SameSeedAndIndex_GivesIdenticalPartial()
    {
        // Arrange
        var parameters = Specs.Parameters("samples", 200_000);
        var position = new ShardPosition(3, 4, 1234);

        // Act
        var first = await _untyped.RunShardAsync(position, parameters, CancellationToken.None);
        var second = await _untyped.RunShardAsync(position with { Attempt = 2 }, parameters, CancellationToken.None);

        // Assert
        Assert.True(JsonElement.DeepEquals(first, second), $"{first} != {second}");
        Assert.Equal(50_000, first.GetProperty("samples").GetInt64());
    }

    [Fact]
    public async Task RunShardAsync_DifferentSeed_GivesDifferentPartial()
    {
        // Arrange
        var parameters = Specs.Parameters("samples", 200_000);

        // Act
        var a = await _untyped.RunShardAsync(new ShardPosition(0, 1, 1), parameters, CancellationToken.None);
        var b = await _untyped.RunShardAsync(new ShardPosition(0, 1, 2), parameters, CancellationToken.None);

        // Assert
        Assert.NotEqual(a.GetProperty("inside").GetInt64(), b.GetProperty("inside").GetInt64());
    }

    [Fact]
    public void CountInside_DifferentShardIndexSameSeed_DrawsDifferentPoints()
    {
        // Act
        var a = MonteCarloPiWorkload.CountInside(new MonteCarloPiShard(100_000, 7, 0));
        var b = MonteCarloPiWorkload.CountInside(new MonteCarloPiShard(100_000, 7, 1));

        // Assert
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task Finish_OneMillionSamplesOverShards_EstimatesPiWithinFourStandardErrors()
    {
        // Arrange
        const int shards = 8;
        var parameters = Specs.Parameters("samples", 1_000_000);
        var partials = new List<JsonElement>();
        for (var i = 0; i < shards; i++)
        {
            partials.Add(await _untyped.RunShardAsync(new ShardPosition(i, shards, 2024), parameters, CancellationToken.None));
        }

        // Act
        var result = await _untyped.FinishAsync(partials.Aggregate(_untyped.Combine), parameters, new JobContext("job", shards), CancellationToken.None);

        // Assert
        var estimate = result.GetProperty("estimate").GetDouble();
        var standardError = result.GetProperty("standardError").GetDouble();
        Assert.Equal(1_000_000, result.GetProperty("samples").GetInt64());
        Assert.InRange(standardError, 0.0015, 0.0018);
        Assert.InRange(Math.Abs(estimate - Math.PI), 0, 4 * standardError);
    }

    [Fact]
    public void Combine_ThreePartialsViaJson_IsAssociative()
    {
        // Arrange
        var a = JsonSerializer.SerializeToElement(new MonteCarloPiPartial(7, 10), JsonSerializerOptions.Web);
        var b = JsonSerializer.SerializeToElement(new MonteCarloPiPartial(700, 1000), JsonSerializerOptions.Web);
        var c = JsonSerializer.SerializeToElement(new MonteCarloPiPartial(70_000, 100_000), JsonSerializerOptions.Web);

        // Act
        var right = _untyped.Combine(a, _untyped.Combine(b, c));
        var left = _untyped.Combine(_untyped.Combine(a, b), c);

        // Assert
        Assert.True(JsonElement.DeepEquals(left, right), $"{left} != {right}");
        Assert.Equal(70_707, left.GetProperty("inside").GetInt64());
        Assert.Equal(101_010, left.GetProperty("samples").GetInt64());
    }

    [Fact]
    public async Task Finish_KnownCounts_ComputesEstimateAndStandardError()
    {
        // Arrange: p = 0.75 over 10,000 samples.
        var combined = new MonteCarloPiPartial(7_500, 10_000);

        // Act
        var result = await _workload.FinishAsync(combined, new MonteCarloPiParameters(10_000), new JobContext("job", 1), CancellationToken.None);

        // Assert
        Assert.Equal(3.0, result.Estimate, 12);
        Assert.Equal(4 * Math.Sqrt(0.75 * 0.25 / 10_000), result.StandardError, 12);
        Assert.Equal(0.017320508075688773, result.StandardError, 12);
        Assert.Equal(10_000, result.Samples);
        Assert.Equal(7_500, result.Inside);
    }

    [Fact]
    public void Validate_SamplesFewerThanShards_ReportsSamples()
    {
        // Arrange
        var errors = new ValidationErrors();

        // Act
        _workload.Validate(Specs.Parameters("samples", 9), 10, errors);

        // Assert
        Assert.Equal(["parameters.samples"], errors.ToDictionary().Keys);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(MonteCarloPiWorkload.SamplesPerCoreSecond, 1)]
    [InlineData(MonteCarloPiWorkload.SamplesPerCoreSecond + 1, 2)]
    [InlineData(4_000_000_000, 10)]
    [InlineData(MonteCarloPiWorkload.MaxSamples, 25_000)]
    public void DefaultShards_Samples_GivesAboutOneShardPerCoreSecond(long samples, int expected)
    {
        // Act
        var shards = _untyped.DefaultShards(Specs.Parameters("samples", samples));

        // Assert: the count is also one the samples can be spread over.
        Assert.Equal(expected, shards);
        var errors = new ValidationErrors();
        _untyped.Validate(Specs.Parameters("samples", samples), shards, errors);
        Assert.True(errors.IsEmpty, errors.ToString());
    }

    [Fact]
    public void DefaultShards_SamplesNotANumber_GivesOneInsteadOfThrowing()
    {
        // Arrange
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["samples"] = JsonSerializer.SerializeToElement("many") };

        // Act
        var shards = _untyped.DefaultShards(parameters);

        // Assert
        Assert.Equal(1, shards);
    }
}
