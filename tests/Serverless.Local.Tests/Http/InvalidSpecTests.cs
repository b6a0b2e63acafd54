using System.Net;
using System.Text;
using System.Text.Json;
using Serverless.Local.Tests.Fixtures;

namespace Serverless.Local.Tests.Http;

/// <summary>Bad specs get 400 problem+json naming the field, and start nothing.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InvalidSpecTests : HostedTest
{
    public InvalidSpecTests(AzuriteFixture azurite)
        : base(azurite)
    {
    }

    [Theory]
    [InlineData("{\"workload\": \"montecarlo-pi\", \"shards\": ", "$")]
    [InlineData("[1, 2]", "$")]
    [InlineData("{\"workload\": \"nope\", \"shards\": 4}", "workload")]
    [InlineData("{\"workload\": \"sleep\", \"shards\": \"four\"}", "shards")]
    [InlineData("{\"workload\": \"sleep\", \"shards\": 0}", "shards")]
    [InlineData("{\"workload\": \"sleep\", \"shards\": -3}", "shards")]
    [InlineData("{\"workload\": \"sleep\", \"shards\": 100000000}", "shards")]
    [InlineData("{\"workload\": \"sleep\", \"shards\": 4, \"maxParallelism\": 0}", "maxParallelism")]
    [InlineData("{\"workload\": \"sleep\", \"shards\": 4, \"maxParallelism\": 5000}", "maxParallelism")]
    [InlineData("{\"workload\": \"montecarlo-pi\", \"shards\": 4, \"parameters\": {\"samples\": \"many\"}}", "parameters.samples")]
    [InlineData("{\"workload\": \"primes\", \"shards\": 4, \"parameters\": {}}", "parameters.limit")]
    [InlineData("{\"workload\": \"sleep\", \"shards\": 4, \"retry\": {\"maxAttempts\": 0}}", "retry.maxAttempts")]
    public async Task Submit_InvalidSpec_Returns400NamingFieldAndStartsNothing(string body, string field)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Host.Http.PostAsync("api/jobs", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"No error for '{field}' in {problem}");
        var jobs = JsonDocument.Parse(await Host.Http.GetStringAsync("api/jobs")).RootElement.GetProperty("jobs");
        Assert.Equal(0, jobs.GetArrayLength());
    }
}
