using System.Net;
using System.Text.Json;
using Serverless.Jobs;
using Serverless.Local.Tests.Fixtures;

namespace Serverless.Local.Tests.Http;

/// <summary>Jobs end to end through the local host's HTTP API, on Azurite and the Durable Task engine.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class JobLifecycleTests : HostedTest
{
    private static readonly object FastRetry = new { maxAttempts = 3, firstRetryIntervalSeconds = 0.1 };
    public JobLifecycleTests(AzuriteFixture azurite)
        : base(azurite)
    {
    }

    [Fact]
    public async Task MonteCarloPi_SameSpecTwice_IdenticalEstimateWithinFourStandardErrors()
    {
        var spec = new { workload = "montecarlo-pi", shards = 8, seed = 42, parameters = new { samples = 4_000_000 } };

        var first = await Host.SubmitAsync(spec);
        var second = await Host.SubmitAsync(spec);
        var firstStatus = await Host.WaitAsync(first.Id);
        var secondStatus = await Host.WaitAsync(second.Id);

        Assert.Equal("Completed", firstStatus.GetProperty("phase").GetString());
        var firstResult = await Host.Http.GetStringAsync(first.ResultGetUri);
        var secondResult = await Host.Http.GetStringAsync(second.ResultGetUri);
        var result = JsonDocument.Parse(firstResult).RootElement.GetProperty("result");
        Assert.Equal(result.GetRawText(), JsonDocument.Parse(secondResult).RootElement.GetProperty("result").GetRawText());
        Assert.Equal(4_000_000, result.GetProperty("samples").GetInt64());
        var estimate = result.GetProperty("estimate").GetDouble();
        var standardError = result.GetProperty("standardError").GetDouble();
        Assert.InRange(standardError, 1e-5, 1e-2);
        Assert.InRange(estimate, Math.PI - (4 * standardError), Math.PI + (4 * standardError));
        Assert.Equal("Completed", secondStatus.GetProperty("runtimeStatus").GetString());
    }

    [Fact]
    public async Task Primes_BelowHundredMillion_ExactCountAndEveryShardOnceInManifest()
    {
        var job = await Host.SubmitAsync(new { workload = "primes", shards = 12, maxParallelism = 4, parameters = new { limit = 100_000_000 } });

        var status = await Host.WaitAsync(job.Id);

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var output = status.GetProperty("output");
        Assert.Equal(5_761_455, output.GetProperty("result").GetProperty("primeCount").GetInt64());
        var manifest = await Host.ReadBlobAsync<JobManifest>(output.GetProperty("blobs").GetProperty("manifest").GetString()!);
        Assert.Equal(Enumerable.Range(0, 12), manifest.Shards.Select(s => s.Index));
        Assert.All(manifest.Shards, s => Assert.Equal(ShardStatus.Succeeded, s.Status));
        foreach (var shard in manifest.Shards)
        {
            var properties = await Host.Results.GetBlobClient(shard.Blob!["results/".Length..]).GetPropertiesAsync();
            Assert.Equal(shard.Size, properties.Value.ContentLength);
        }
    }

    [Fact]
    public async Task ShardThatThrowsOnce_SucceedsOnRetry_AttemptsRecorded()
    {
        var job = await Host.SubmitAsync(new { workload = "flaky", shards = 5, speculation = "off", retry = FastRetry, parameters = new { failShard = 3, failAttempts = 1 } });

        var status = await Host.WaitAsync(job.Id);

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var manifest = await Host.ReadBlobAsync<JobManifest>(status.GetProperty("blobs").GetProperty("manifest").GetString()!);
        Assert.Equal(2, manifest.Shards.Single(s => s.Index == 3).Attempts);
        Assert.All(manifest.Shards.Where(s => s.Index != 3), s => Assert.Equal(1, s.Attempts));
        Assert.Equal(5, status.GetProperty("output").GetProperty("result").GetInt64());
    }

    [Fact]
    public async Task ShardThatAlwaysThrows_AtZeroTolerance_FailsJobAndListsShard()
    {
        var job = await Host.SubmitAsync(new { workload = "flaky", shards = 10, speculation = "off", retry = FastRetry, parameters = new { failShard = 7, failAttempts = 100 } });

        var status = await Host.WaitAsync(job.Id);

        Assert.Equal("Failed", status.GetProperty("runtimeStatus").GetString());
        Assert.Contains("1 of 10 shards failed", status.GetProperty("error").GetString(), StringComparison.Ordinal);
        var manifest = await Host.ReadBlobAsync<JobManifest>(status.GetProperty("blobs").GetProperty("manifest").GetString()!);
        var failed = Assert.Single(manifest.Shards, s => s.Status == ShardStatus.Failed);
        Assert.Equal(7, failed.Index);
        Assert.Equal(3, failed.Attempts);
        Assert.Contains("Injected failure: shard 7, attempt 3", failed.Error, StringComparison.Ordinal);
        using var result = await Host.Http.GetAsync(job.ResultGetUri);
        Assert.Equal(HttpStatusCode.Conflict, result.StatusCode);
    }

    [Fact]
    public async Task ShardThatAlwaysThrows_WithinTolerance_CompletesWithFailureFlagged()
    {
        var job = await Host.SubmitAsync(new { workload = "flaky", shards = 10, toleratedFailurePercent = 10, retry = FastRetry, parameters = new { failShard = 2, failAttempts = 100 } });

        var status = await Host.WaitAsync(job.Id);

        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        Assert.Equal("CompletedWithFailures", status.GetProperty("phase").GetString());
        var output = status.GetProperty("output");
        Assert.Equal(1, output.GetProperty("failedShards").GetInt32());
        Assert.Equal([2], output.GetProperty("failedShardIndexes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(9, output.GetProperty("result").GetInt64());
        var result = JsonDocument.Parse(await Host.Http.GetStringAsync(job.ResultGetUri)).RootElement;
        Assert.Equal("CompletedWithFailures", result.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancel_RunningJob_StatusSaysCanceledAndNoResult()
    {
        var job = await Host.SubmitAsync(new { workload = "sleep", shards = 40, maxParallelism = 2, parameters = new { milliseconds = 1000 } });
        await WaitForProgressAsync(job.Id);

        using var cancel = await Host.Http.PostAsync(job.CancelPostUri, null);
        var status = await Host.WaitAsync(job.Id);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("Terminated", status.GetProperty("runtimeStatus").GetString());
        Assert.Equal("Canceled", status.GetProperty("phase").GetString());
        using var result = await Host.Http.GetAsync(job.ResultGetUri);
        Assert.Equal(HttpStatusCode.Conflict, result.StatusCode);
        using var again = await Host.Http.PostAsync(job.CancelPostUri, null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task List_AfterSubmit_ContainsTheJob()
    {
        var job = await Host.SubmitAsync(new { workload = "sleep", shards = 1 });
        await Host.WaitAsync(job.Id);

        var page = JsonDocument.Parse(await Host.Http.GetStringAsync("api/jobs?pageSize=10")).RootElement;

        var listed = page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("instanceId").GetString());
        Assert.Contains(job.Id, listed);
    }

    [Fact]
    public async Task Get_UnknownId_Returns404Problem()
    {
        using var response = await Host.Http.GetAsync("api/jobs/does-not-exist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task WaitForProgressAsync(string jobId)
    {
        for (var i = 0; i < 300; i++)
        {
            var status = await Host.GetStatusAsync(jobId);
            if (status.TryGetProperty("customStatus", out var progress) && progress.GetProperty("completedShards").GetInt32() > 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("The job made no progress.");
    }
}
