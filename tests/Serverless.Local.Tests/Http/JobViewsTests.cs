using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Serverless.Api;
using Serverless.Jobs;
using Serverless.Local.Tests.Fixtures;

namespace Serverless.Local.Tests.Http;

/// <summary>What the dashboard reads: a job's calls (its timeline), its manifest and files, and the workloads.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class JobViewsTests : HostedTest
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public JobViewsTests(AzuriteFixture azurite)
        : base(azurite)
    {
    }

    [Fact]
    public async Task FinishedJob_CallsPagedOneAtATime_CoverEveryShardAttemptOnceWithTimesAndThisWorker()
    {
        var job = await Host.SubmitAsync(new { workload = "flaky", shards = 6, speculation = "off", retry = new { maxAttempts = 2, firstRetryIntervalSeconds = 0.1 }, parameters = new { failShard = 2, failAttempts = 1, milliseconds = 50 } });
        var status = await Host.WaitAsync(job.Id);
        Assert.Equal("Completed", status.GetProperty("phase").GetString());

        var calls = new List<JsonElement>();
        string? token = null;
        var pages = 0;
        do
        {
            var query = token is null ? "pageSize=1" : $"pageSize=1&continuationToken={Uri.EscapeDataString(token)}";
            var page = JsonDocument.Parse(await Host.Http.GetStringAsync($"api/jobs/{job.Id}/calls?{query}")).RootElement;
            calls.AddRange(page.GetProperty("calls").EnumerateArray().Select(c => c.Clone()));
            token = page.TryGetProperty("continuationToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            pages++;
        }
        while (token is not null);

        // Shard 2 failed once and ran again: seven attempts, each in exactly one call.
        var attempts = calls.SelectMany(c => c.GetProperty("shards").EnumerateArray().Select(s => (Shard: s.GetInt32(), Attempt: c.GetProperty("attempt").GetInt32()))).ToList();
        Assert.Equal(7, attempts.Count);
        Assert.Equal(Enumerable.Range(0, 6), attempts.Select(a => a.Shard).Distinct().Order());
        Assert.Equal(pages, calls.Count);
        var retried = Assert.Single(calls, c => c.GetProperty("attempt").GetInt32() == 2);
        Assert.Equal([2], retried.GetProperty("shards").EnumerateArray().Select(s => s.GetInt32()));
        var failed = Assert.Single(calls, c => c.GetProperty("failed").GetInt32() == 1);
        Assert.Contains("attempt 1", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        var worker = $"{Environment.MachineName}:{Environment.ProcessId}";
        Assert.All(calls, c =>
        {
            Assert.Equal(worker, c.GetProperty("worker").GetString());
            var started = c.GetProperty("startedAt").GetDateTimeOffset();
            var ended = c.GetProperty("endedAt").GetDateTimeOffset();
            Assert.True(ended >= started);
            Assert.InRange(started, status.GetProperty("createdTime").GetDateTimeOffset(), status.GetProperty("lastUpdatedTime").GetDateTimeOffset());
            Assert.False(c.GetProperty("backup").GetBoolean());
        });

        var manifest = JobJson.Deserialize<JobManifest>(BinaryData.FromString(await Host.Http.GetStringAsync($"api/jobs/{job.Id}/manifest")));
        Assert.All(manifest.Shards, s =>
        {
            Assert.Equal(worker, s.Worker);
            Assert.NotNull(s.StartedAt);
            Assert.True(s.EndedAt >= s.StartedAt);
        });
        Assert.Equal(2, manifest.Shards[2].Attempts);
    }

    [Fact]
    public async Task CallsOfRunningJob_GrowAsCallsFinish()
    {
        var job = await Host.SubmitAsync(new { workload = "flaky", shards = 40, maxParallelism = 2, parameters = new { milliseconds = 300 } });
        var clock = Stopwatch.StartNew();
        var seen = 0;
        while (seen == 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var page = JsonDocument.Parse(await Host.Http.GetStringAsync($"api/jobs/{job.Id}/calls")).RootElement;
            seen = page.GetProperty("calls").GetArrayLength();
            await Task.Delay(200);
        }

        var status = await Host.GetStatusAsync(job.Id);
        Assert.InRange(seen, 1, 39);
        Assert.Equal("Running", status.GetProperty("runtimeStatus").GetString());
        using var cancel = await Host.Http.PostAsync($"api/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
    }

    [Theory]
    [InlineData("calls?pageSize=0", HttpStatusCode.BadRequest, "pageSize")]
    [InlineData("calls?continuationToken=forged", HttpStatusCode.BadRequest, "continuationToken")]
    [InlineData("files/..%2Fother%2Fmanifest.json", HttpStatusCode.NotFound, null)]
    [InlineData("files/nothing-here.png", HttpStatusCode.NotFound, null)]
    public async Task BadQueriesAndPaths_ProblemNamingTheFieldOr404(string path, HttpStatusCode expected, string? field)
    {
        var job = await Host.SubmitAsync(new { workload = "sleep", shards = 1 });
        await Host.WaitAsync(job.Id);

        using var response = await Host.Http.GetAsync($"api/jobs/{job.Id}/{path}");

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _));
        }
    }

    [Fact]
    public async Task UnknownJob_CallsManifestAndFilesAre404()
    {
        foreach (var path in new[] { "calls", "manifest", "files/preview.png" })
        {
            using var response = await Host.Http.GetAsync($"api/jobs/nosuchjob/{path}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task ManifestBeforeTheJobFinishes_Is404_AndFilesServeWithTheirContentType()
    {
        var running = await Host.SubmitAsync(new { workload = "flaky", shards = 1, parameters = new { milliseconds = 3000 } });
        using (var early = await Host.Http.GetAsync($"api/jobs/{running.Id}/manifest"))
        {
            Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        }

        await Host.WaitAsync(running.Id);
        using var spec = await Host.Http.GetAsync($"api/jobs/{running.Id}/files/spec.json");
        Assert.Equal(HttpStatusCode.OK, spec.StatusCode);
        Assert.Equal("application/json", spec.Content.Headers.ContentType?.MediaType);
        Assert.Equal("flaky", JsonDocument.Parse(await spec.Content.ReadAsStringAsync()).RootElement.GetProperty("workload").GetString());
    }

    [Fact]
    public async Task Workloads_DescribeEveryWorkloadWithTheLimitsItsValidationUses()
    {
        var body = JsonDocument.Parse(await Host.Http.GetStringAsync("api/workloads")).RootElement;
        var workloads = body.GetProperty("workloads").EnumerateArray().ToDictionary(w => w.GetProperty("name").GetString()!, w => w.Clone());

        Assert.Contains("montecarlo-pi", workloads.Keys);
        Assert.Contains("wordcount", workloads.Keys);
        var pi = workloads["montecarlo-pi"];
        Assert.Equal("shards", pi.GetProperty("kind").GetString());
        var samples = Assert.Single(pi.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "parameters.samples");
        Assert.Equal("integer", samples.GetProperty("type").GetString());
        Assert.True(samples.GetProperty("required").GetBoolean());
        var fields = pi.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Contains("shards", fields);
        Assert.Contains("maxParallelism", fields);
        Assert.Equal("items", workloads["wordcount"].GetProperty("kind").GetString());
        Assert.DoesNotContain("shards", workloads["wordcount"].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()));

        // Whatever the description calls the maximum is just what the validation takes, and one more is refused.
        var max = (long)samples.GetProperty("maximum").GetDouble();
        using var atMax = await Host.Http.PostAsync("api/jobs", Json(new { workload = "montecarlo-pi", shards = 1, parameters = new { samples = max } }));
        using var beyond = await Host.Http.PostAsync("api/jobs", Json(new { workload = "montecarlo-pi", shards = 1, parameters = new { samples = max + 1 } }));
        Assert.Equal(HttpStatusCode.Accepted, atMax.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, beyond.StatusCode);
        var accepted = JsonSerializer.Deserialize<JobLinks>(await atMax.Content.ReadAsStringAsync(), Web)!;
        using var cancel = await Host.Http.PostAsync($"api/jobs/{accepted.Id}/cancel", null);
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value, Web), System.Text.Encoding.UTF8, "application/json");
}
