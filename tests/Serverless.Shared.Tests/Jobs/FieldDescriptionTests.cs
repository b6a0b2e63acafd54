using System.Text.Json;
using Serverless.Jobs;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Jobs;

/// <summary>The field descriptions come from the reads that validate, so each limit described is the limit enforced.</summary>
public sealed class FieldDescriptionTests
{
    private readonly WorkloadCatalog _catalog = new(WorkloadCatalog.BuiltIn(new InMemoryBlobStore()));

    [Fact]
    public void Reader_DescribesEachFieldOnce_WithTypeDefaultAndLimits()
    {
        var reader = new JsonFieldReader(new Dictionary<string, JsonElement>(), "parameters.", new ValidationErrors());

        reader.GetInt64("limit", 2, 1000, defaultValue: null);
        reader.GetDouble("ratio", 0, 1, defaultValue: 0.5);
        reader.GetBoolean("fast", defaultValue: true);
        reader.GetString("name", required: false);
        reader.GetInt64("limit", 2, 1000, defaultValue: null);

        Assert.Equal(
            [
                new FieldDescription("parameters.limit", "integer", true, null, 2, 1000),
                new FieldDescription("parameters.ratio", "number", false, 0.5, 0, 1),
                new FieldDescription("parameters.fast", "boolean", false, true, null, null),
                new FieldDescription("parameters.name", "string", false, null, null, null),
            ],
            reader.Described);
    }

    [Fact]
    public void EveryWorkload_DescribesParametersItsValidationAcceptsAtTheirLimits()
    {
        foreach (var name in _catalog.Names)
        {
            var workload = _catalog.Get(name);
            var numeric = workload.DescribeParameters().Where(p => p.Type is "integer" && p.Maximum is not null).ToList();
            foreach (var field in numeric)
            {
                var key = field.Name["parameters.".Length..];
                var errors = new ValidationErrors();
                workload.Validate(new Dictionary<string, JsonElement> { [key] = JsonSerializer.SerializeToElement(long.MaxValue) }, 1, errors);
                Assert.True(errors.ToDictionary().ContainsKey(field.Name), $"{name}: {field.Name} above its maximum was accepted.");
            }

            Assert.False(string.IsNullOrWhiteSpace(workload.Description), $"{name} has no description.");
        }
    }

    [Fact]
    public void SpecFields_OfAShardWorkloadAndAnItemWorkload()
    {
        var parser = new JobSpecParser(_catalog);

        var pi = parser.DescribeSpec(_catalog.Get("montecarlo-pi")).ToDictionary(f => f.Name);
        var words = parser.DescribeSpec(_catalog.Get("wordcount")).Select(f => f.Name).ToList();

        Assert.Equal("integer", pi["shards"].Type);
        Assert.Equal(JobLimits.MaxShards, pi["shards"].Maximum);
        Assert.Equal(100, pi["toleratedFailurePercent"].Maximum);
        Assert.Equal("object", pi["retry"].Type);
        Assert.DoesNotContain("workload", pi.Keys);
        Assert.DoesNotContain("parameters", pi.Keys);
        Assert.DoesNotContain("shards", words);
        Assert.Contains("input", words);
        Assert.Equal(JobLimits.MaxParallelism, pi["maxParallelism"].Maximum);
    }
}
