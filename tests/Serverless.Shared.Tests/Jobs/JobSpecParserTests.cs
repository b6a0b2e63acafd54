using Serverless.Jobs;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Jobs;

public sealed class JobSpecParserTests
{
    private readonly JobSpecParser _parser = new(new WorkloadCatalog(WorkloadCatalog.BuiltIn(new InMemoryBlobStore())));

    private (JobSpec? Spec, IDictionary<string, string[]> Errors) Parse(string json)
    {
        var errors = new ValidationErrors();
        var spec = _parser.Parse(json, errors);
        return (spec, errors.ToDictionary());
    }

    private static string Message(IDictionary<string, string[]> errors, string field)
    {
        Assert.True(errors.ContainsKey(field), $"Expected an error on '{field}', got: {string.Join(", ", errors.Keys)}");
        return string.Join(" | ", errors[field]);
    }

    [Fact]
    public void Parse_MinimalValidSpec_AppliesDefaults()
    {
        // Arrange
        const string json = """{ "workload": "montecarlo-pi", "shards": 10, "parameters": { "samples": 1000 } }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Empty(errors);
        Assert.NotNull(spec);
        Assert.Equal("montecarlo-pi", spec.Workload);
        Assert.Equal(10, spec.Shards);
        Assert.Equal(10, spec.MaxParallelism);
        Assert.Equal(RetrySpec.Default, spec.Retry);
        Assert.Equal(new RetrySpec(3, 1, 2, 60), spec.Retry);
        Assert.Equal(0, spec.ToleratedFailurePercent);
        Assert.Equal(0, spec.Seed);
        Assert.Equal(1000, spec.Parameters["samples"].GetInt64());
    }

    [Fact]
    public void Parse_ManyShardsWithoutMaxParallelism_CapsParallelismAtDefault()
    {
        // Arrange
        const string json = """{ "workload": "primes", "shards": 5000, "parameters": { "limit": 1000000 } }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(JobLimits.DefaultMaxParallelism, spec!.MaxParallelism);
    }

    [Fact]
    public void Parse_AllFieldsGiven_ReadsEveryValue()
    {
        // Arrange
        const string json = """
            {
              "workload": "primes", "shards": "8", "maxParallelism": 3, "toleratedFailurePercent": 12.5, "seed": -7,
              "retry": { "maxAttempts": 5, "firstRetryIntervalSeconds": 0.5, "backoffCoefficient": 3, "maxRetryIntervalSeconds": 20 },
              "parameters": { "limit": 1e6 }
            }
            """;

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(8, spec!.Shards);
        Assert.Equal(3, spec.MaxParallelism);
        Assert.Equal(12.5, spec.ToleratedFailurePercent);
        Assert.Equal(-7, spec.Seed);
        Assert.Equal(new RetrySpec(5, 0.5, 3, 20), spec.Retry);
    }

    [Fact]
    public void Parse_PartialRetry_FillsTheRestFromDefaults()
    {
        // Arrange
        const string json = """{ "workload": "sleep", "shards": 2, "retry": { "maxAttempts": 7 } }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(RetrySpec.Default with { MaxAttempts = 7 }, spec!.Retry);
    }

    [Fact]
    public void Parse_MalformedJson_ReportsRootErrorWithLine()
    {
        // Arrange: the value of "shards" is missing on the third line.
        const string json = "{\n  \"workload\": \"primes\",\n  \"shards\": ,\n}";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["$"], errors.Keys);
        Assert.Contains("line 3", Message(errors, "$"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2, 3]")]
    [InlineData("42")]
    [InlineData("\"montecarlo-pi\"")]
    [InlineData("null")]
    public void Parse_RootNotAnObject_ReportsRootError(string json)
    {
        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["$"], errors.Keys);
        Assert.Contains("JSON object", Message(errors, "$"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownWorkload_ListsKnownWorkloads()
    {
        // Arrange
        const string json = """{ "workload": "bitcoin", "shards": 4 }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        var message = Message(errors, "workload");
        Assert.Contains("bitcoin", message, StringComparison.Ordinal);
        Assert.Contains("montecarlo-pi, primes, sleep", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "shards": 4 }""")]
    [InlineData("""{ "workload": "", "shards": 4 }""")]
    [InlineData("""{ "workload": 5, "shards": 4 }""")]
    [InlineData("""{ "workload": null, "shards": 4 }""")]
    public void Parse_WorkloadMissingOrNotAString_ReportsWorkload(string json)
    {
        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["workload"], errors.Keys);
    }

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("1.5")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("100001")]
    [InlineData("1e11")]
    public void Parse_BadShards_ReportsShards(string shards)
    {
        // Arrange
        var json = $$"""{ "workload": "sleep", "shards": {{shards}} }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["shards"], errors.Keys);
        Assert.Contains($"from 1 to 100,000", Message(errors, "shards"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ShardsMissingForWorkloadWithNothingToEstimate_UsesEight()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "sleep", "parameters": { "milliseconds": 50 } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(JobLimits.DefaultShards, spec!.Shards);
        Assert.Equal(8, spec.Shards);
        Assert.Equal(8, spec.MaxParallelism);
    }

    [Theory]
    [InlineData("""{ "workload": "montecarlo-pi", "parameters": { "samples": 4000000001 } }""", 11)]
    [InlineData("""{ "workload": "primes", "parameters": { "limit": 1e12 } }""", 1000)]
    [InlineData("""{ "workload": "mandelbrot", "parameters": { "width": 32768, "height": 16384 } }""", 128)]
    public void Parse_ShardsMissing_UsesTheWorkloadsDefault(string json, int expected)
    {
        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(expected, spec!.Shards);
        Assert.Equal(Math.Min(expected, JobLimits.DefaultMaxParallelism), spec.MaxParallelism);
    }

    [Fact]
    public void Parse_ShardsGiven_OverridesTheWorkloadsDefault()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "primes", "shards": 3, "parameters": { "limit": 1e12 } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(3, spec!.Shards);
    }

    [Theory]
    [InlineData("""{ "workload": "montecarlo-pi", "parameters": { "samples": "x" } }""", "parameters.samples")]
    [InlineData("""{ "workload": "montecarlo-pi" }""", "parameters.samples")]
    [InlineData("""{ "workload": "primes", "parameters": { "limit": -1 } }""", "parameters.limit")]
    [InlineData("""{ "workload": "mandelbrot", "parameters": { "width": 32768, "height": 32768 } }""", "parameters.width")]
    [InlineData("""{ "workload": "mandelbrot", "parameters": { "height": 0 } }""", "parameters.height")]
    [InlineData("""{ "workload": "sleep", "parameters": 5 }""", "parameters")]
    public void Parse_ShardsMissingAndParametersBad_ReportsOnlyTheParameterError(string json, string field)
    {
        // Act
        var (spec, errors) = Parse(json);

        // Assert: the default is sized from what could be read; no error blames the shard count nobody gave.
        Assert.Null(spec);
        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void Parse_ShardsAtMaximum_IsAccepted()
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "sleep", "shards": {{JobLimits.MaxShards}} }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(JobLimits.MaxShards, spec!.Shards);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("true")]
    [InlineData("\"many\"")]
    [InlineData("2.5")]
    public void Parse_BadMaxParallelism_ReportsMaxParallelism(string value)
    {
        // Arrange
        var json = $$"""{ "workload": "sleep", "shards": 4, "maxParallelism": {{value}} }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["maxParallelism"], errors.Keys);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("100.5")]
    [InlineData("\"lots\"")]
    public void Parse_BadToleratedFailurePercent_ReportsField(string value)
    {
        // Arrange
        var json = $$"""{ "workload": "sleep", "shards": 4, "toleratedFailurePercent": {{value}} }""";

        // Act
        var (_, errors) = Parse(json);

        // Assert
        Assert.Equal(["toleratedFailurePercent"], errors.Keys);
    }

    [Fact]
    public void Parse_UnknownTopLevelField_NamesItAndListsShardsAsKnown()
    {
        // Arrange: "shard" is a typo of "shards".
        const string json = """{ "workload": "sleep", "shard": 4 }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["shard"], errors.Keys);
        Assert.Contains("not a known field", Message(errors, "shard"), StringComparison.Ordinal);
        Assert.Contains("shards", Message(errors, "shard"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "maxAttempts": 0 }""", "retry.maxAttempts")]
    [InlineData("""{ "maxAttempts": 11 }""", "retry.maxAttempts")]
    [InlineData("""{ "firstRetryIntervalSeconds": -1 }""", "retry.firstRetryIntervalSeconds")]
    [InlineData("""{ "backoffCoefficient": 0.5 }""", "retry.backoffCoefficient")]
    [InlineData("""{ "firstRetryIntervalSeconds": 10, "maxRetryIntervalSeconds": 5 }""", "retry.maxRetryIntervalSeconds")]
    [InlineData("""{ "maxAttempt": 2 }""", "retry.maxAttempt")]
    public void Parse_BadRetryField_ReportsQualifiedName(string retry, string field)
    {
        // Arrange
        var json = $$"""{ "workload": "sleep", "shards": 4, "retry": {{retry}} }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void Parse_RetryNotAnObject_ReportsRetry()
    {
        // Act
        var (_, errors) = Parse("""{ "workload": "sleep", "shards": 4, "retry": 3 }""");

        // Assert
        Assert.Equal(["retry"], errors.Keys);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{ "samples": -5 }""")]
    [InlineData("""{ "samples": "x" }""")]
    [InlineData("""{ "samples": 0 }""")]
    [InlineData("""{ "samples": 3 }""")]
    public void Parse_BadMonteCarloSamples_ReportsParametersSamples(string parameters)
    {
        // Arrange: 4 shards need at least 4 samples.
        var json = $$"""{ "workload": "montecarlo-pi", "shards": 4, "parameters": {{parameters}} }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["parameters.samples"], errors.Keys);
    }

    [Fact]
    public void Parse_MonteCarloWithoutParameters_ReportsSamplesRequired()
    {
        // Act
        var (_, errors) = Parse("""{ "workload": "montecarlo-pi", "shards": 4 }""");

        // Assert
        Assert.Contains("required", Message(errors, "parameters.samples"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{ "limit": 1 }""")]
    [InlineData("""{ "limit": "lots" }""")]
    [InlineData("""{ "limit": 1000000000001 }""")]
    public void Parse_BadPrimesLimit_ReportsParametersLimit(string parameters)
    {
        // Arrange
        var json = $$"""{ "workload": "primes", "shards": 4, "parameters": {{parameters}} }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["parameters.limit"], errors.Keys);
    }

    [Fact]
    public void Parse_UnknownParameter_ReportsQualifiedName()
    {
        // Act
        var (_, errors) = Parse("""{ "workload": "primes", "shards": 4, "parameters": { "limit": 100, "limt": 5 } }""");

        // Assert
        Assert.Equal(["parameters.limt"], errors.Keys);
    }

    [Fact]
    public void Parse_ParametersNotAnObject_ReportsParametersOnly()
    {
        // Act
        var (_, errors) = Parse("""{ "workload": "primes", "shards": 4, "parameters": [1] }""");

        // Assert
        Assert.Equal(["parameters"], errors.Keys);
    }

    [Fact]
    public void Parse_SeveralBadFields_ReportsEveryOne()
    {
        // Arrange
        const string json = """
            {
              "workload": "montecarlo-pi", "shards": 1.5, "maxParallelism": true, "toleratedFailurePercent": 101,
              "retry": { "maxAttempts": 0 }, "parameters": { "samples": "x" }, "colour": "blue"
            }
            """;

        // Act
        var (spec, errors) = Parse(json);

        // Assert: parameters are checked even though the shard count is bad, so every problem is named at once.
        Assert.Null(spec);
        Assert.Equal(
            ["colour", "maxParallelism", "parameters.samples", "retry.maxAttempts", "shards", "toleratedFailurePercent"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_BadWorkloadParameterAndBadTopLevelField_ReportsBoth()
    {
        // Arrange
        const string json = """{ "workload": "montecarlo-pi", "shards": 2, "seed": "abc", "parameters": { "samples": -1 } }""";

        // Act
        var (_, errors) = Parse(json);

        // Assert
        Assert.Equal(["parameters.samples", "seed"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("", SpeculationMode.Auto)]
    [InlineData(""", "speculation": "auto" """, SpeculationMode.Auto)]
    [InlineData(""", "speculation": "off" """, SpeculationMode.Off)]
    public void Parse_Speculation_AutoUnlessOff(string field, SpeculationMode expected)
    {
        // Arrange
        var json = $$"""{ "workload": "sleep", "shards": 2 {{field}} }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(expected, spec!.Speculation);
    }

    [Theory]
    [InlineData("\"on\"")]
    [InlineData("\"Off\"")]
    [InlineData("\"\"")]
    [InlineData("true")]
    [InlineData("1")]
    public void Parse_BadSpeculation_ReportsSpeculation(string value)
    {
        // Arrange
        var json = $$"""{ "workload": "sleep", "shards": 2, "speculation": {{value}} }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Null(spec);
        Assert.Equal(["speculation"], errors.Keys);
        Assert.NotEmpty(Message(errors, "speculation"));
    }
}
