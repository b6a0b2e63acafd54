using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Serverless.Jobs;
using Serverless.Local.Tests.Fixtures;

namespace Serverless.Local.Tests.Http;

/// <summary>Suspend, resume, purge and the job list through the local host's HTTP API, on Azurite and the real engine.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class JobOperationsTests : HostedTest
{
    public JobOperationsTests(AzuriteFixture azurite)
        : base(azurite)
    {
    }

    // Ranges of 10 shards, so suspending has to reach sub-orchestrations too.
    protected override Task<TestHost> StartHostAsync(AzuriteFixture azurite) => TestHost.StartAsync(azurite, shardsPerOrchestration: 10);

    private async Task<int> ShardBlobCountAsync(string jobId)
    {
        var count = 0;
        await foreach (var _ in Host.Results.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{jobId}/shards/", default))
        {
            count++;
        }

        return count;
    }

    private async Task<HttpStatusCode> PostAsync(string path)
    {
        using var response = await Host.Http.PostAsync(path, content: null);
        return response.StatusCode;
    }

    [Fact]
    public async Task SuspendThenResume_NoShardStartsWhileSuspended_AndTheJobFinishesWithTheSameAnswer()
    {
        // 40 shards of 250 ms, two at a time, in four ranges: about 5 s of work.
        var job = await Host.SubmitAsync(new { workload = "sleep", shards = 40, maxParallelism = 2, parameters = new { milliseconds = 250 } });
        while (await ShardBlobCountAsync(job.Id) < 4)
        {
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.Accepted, await PostAsync($"api/jobs/{job.Id}/suspend"));
        var status = await Host.GetStatusAsync(job.Id);
        Assert.Equal(("Suspended", "Suspended"), (status.GetProperty("runtimeStatus").GetString(), status.GetProperty("phase").GetString()));

        // Calls already running finish (a batch of short shards lasts well under 3 s here); after that nothing new starts.
        await Task.Delay(3_000);
        var whileSuspended = await ShardBlobCountAsync(job.Id);
        await Task.Delay(3_000);
        Assert.Equal(whileSuspended, await ShardBlobCountAsync(job.Id));
        Assert.InRange(whileSuspended, 4, 39);
        Assert.Equal(HttpStatusCode.Conflict, await PostAsync($"api/jobs/{job.Id}/suspend"));

        Assert.Equal(HttpStatusCode.Accepted, await PostAsync($"api/jobs/{job.Id}/resume"));
        var done = await Host.WaitAsync(job.Id);

        Assert.Equal("Completed", done.GetProperty("phase").GetString());
        var result = done.GetProperty("output").GetProperty("result");
        Assert.Equal((40, 10_000), (result.GetProperty("shards").GetInt64(), result.GetProperty("sleptMilliseconds").GetInt64()));
        var manifest = await Host.ReadBlobAsync<JobManifest>(done.GetProperty("output").GetProperty("blobs").GetProperty("manifest").GetString()!);
        Assert.Equal(Enumerable.Range(0, 40), manifest.Shards.Select(s => s.Index));
        Assert.Equal(HttpStatusCode.Conflict, await PostAsync($"api/jobs/{job.Id}/resume"));
    }

    [Fact]
    public async Task Redrive_ComputedShards_RunsOnlyTheFailedOnesAndKeepsEveryPartialOnce()
    {
        // 25 short shards (batched several to a call, in three ranges); shards 4 and 17 fail on every attempt.
        Host.Flaky.Broken[4] = true;
        Host.Flaky.Broken[17] = true;
        var job = await Host.SubmitAsync(new { workload = "flaky", shards = 25, speculation = "off", toleratedFailurePercent = 10, retry = new { maxAttempts = 2, firstRetryIntervalSeconds = 0.1 }, parameters = new { } });
        var first = await Host.WaitAsync(job.Id);
        Assert.Equal("CompletedWithFailures", first.GetProperty("phase").GetString());
        var startsBefore = Host.Flaky.Started.GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());

        Host.Flaky.Broken.Clear();
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync($"api/jobs/{job.Id}/redrive"));
        // The redrive rewrites the manifest when it finishes; until then the first run's status still shows.
        var manifestPath = first.GetProperty("output").GetProperty("blobs").GetProperty("manifest").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Host.ReadBlobAsync<JobManifest>(manifestPath)).Redrives == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The redrive did not finish.");
            await Task.Delay(200);
        }

        var done = await Host.WaitAsync(job.Id);

        Assert.Equal("Completed", done.GetProperty("phase").GetString());
        Assert.Equal(25, done.GetProperty("output").GetProperty("result").GetInt64());
        var manifest = await Host.ReadBlobAsync<JobManifest>(done.GetProperty("output").GetProperty("blobs").GetProperty("manifest").GetString()!);
        Assert.Equal(Enumerable.Range(0, 25), manifest.Shards.Select(s => s.Index));
        Assert.All(manifest.Shards, s => Assert.Equal(ShardStatus.Succeeded, s.Status));
        Assert.Equal(1, manifest.Redrives);
        // Only the two failed shards ran again; the others kept the partials of the first run.
        var ranAgain = Host.Flaky.Started.GroupBy(i => i).Where(g => g.Count() > startsBefore.GetValueOrDefault(g.Key)).Select(g => g.Key).Order();
        Assert.Equal([4, 17], ranAgain);
    }

    [Fact]
    public async Task Purge_RunningJob409_UnknownJob404_FinishedJob204AndNothingOfItLeftInStorage()
    {
        var running = await Host.SubmitAsync(new { workload = "sleep", shards = 1, parameters = new { milliseconds = 20_000 } });
        using (var conflict = await Host.Http.DeleteAsync($"api/jobs/{running.Id}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
        }

        using (var missing = await Host.Http.DeleteAsync("api/jobs/no-such-job"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // 30 shards in three ranges, so ranges' history must go too.
        var job = await Host.SubmitAsync(new { workload = "primes", shards = 30, maxParallelism = 30, parameters = new { limit = 100_000 } });
        await Host.WaitAsync(job.Id);
        Assert.NotEmpty(await StorageHoldingAsync(job.Id));

        using var purge = await Host.Http.DeleteAsync($"api/jobs/{job.Id}?blobs=true");

        Assert.Equal(HttpStatusCode.NoContent, purge.StatusCode);
        Assert.Empty(await StorageHoldingAsync(job.Id));
        using var gone = await Host.Http.GetAsync($"api/jobs/{job.Id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var list = await Host.Http.GetFromJsonAsync<JsonElement>("api/jobs");
        Assert.DoesNotContain(job.Id, list.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("instanceId").GetString()));
        Assert.Contains(running.Id, list.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("instanceId").GetString()));
        await PostAsync($"api/jobs/{running.Id}/cancel");
    }

    /// <summary>Everything in the storage account that mentions the job: table rows, visible queue messages, blobs.</summary>
    private async Task<List<string>> StorageHoldingAsync(string jobId)
    {
        var found = new List<string>();
        var tables = new TableServiceClient(Host.Host.ConnectionString);
        await foreach (var table in tables.QueryAsync(t => true))
        {
            await foreach (var row in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                if (row.PartitionKey.Contains(jobId, StringComparison.Ordinal) || row.RowKey.Contains(jobId, StringComparison.Ordinal) || ((IDictionary<string, object>)row).Values.Any(v => v?.ToString()?.Contains(jobId, StringComparison.Ordinal) == true))
                {
                    found.Add($"table {table.Name}: {row.PartitionKey}/{row.RowKey}");
                }
            }
        }

        var queues = new QueueServiceClient(Host.Host.ConnectionString);
        await foreach (var queue in queues.GetQueuesAsync(prefix: Host.HubName.ToLowerInvariant()))
        {
            foreach (var message in (await queues.GetQueueClient(queue.Name).PeekMessagesAsync(32)).Value)
            {
                if (message.Body.ToString().Contains(jobId, StringComparison.Ordinal))
                {
                    found.Add($"queue {queue.Name}: {message.MessageId}");
                }
            }
        }

        var blobs = new BlobServiceClient(Host.Host.ConnectionString);
        await foreach (var container in blobs.GetBlobContainersAsync())
        {
            await foreach (var blob in blobs.GetBlobContainerClient(container.Name).GetBlobsAsync())
            {
                if (blob.Name.Contains(jobId, StringComparison.Ordinal))
                {
                    found.Add($"blob {container.Name}/{blob.Name}");
                }
            }
        }

        return found;
    }

    [Fact]
    public async Task List_ManyJobs_FullPagesNewestFirstFiltersAndNoTokenOnTheLastPage()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await Host.SubmitAsync(new { workload = i % 2 == 0 ? "sleep" : "primes", shards = 1, parameters = i % 2 == 0 ? (object)new { milliseconds = 0 } : new { limit = 100 } })).Id);
        }

        foreach (var id in ids)
        {
            await Host.WaitAsync(id);
        }

        var pages = new List<List<string>>();
        string? token = null;
        do
        {
            var page = await Host.Http.GetFromJsonAsync<JsonElement>("api/jobs?pageSize=2" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token)));
            pages.Add([.. page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("instanceId").GetString()!)]);
            token = page.TryGetProperty("continuationToken", out var next) ? next.GetString() : null;
        }
        while (token is not null);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal(Enumerable.Reverse(ids), pages.SelectMany(p => p));
        var primes = await Host.Http.GetFromJsonAsync<JsonElement>("api/jobs?workload=primes&status=Completed");
        Assert.Equal([ids[3], ids[1]], primes.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("instanceId").GetString()));
        var none = await Host.Http.GetFromJsonAsync<JsonElement>("api/jobs?status=Running,Suspended");
        Assert.Empty(none.GetProperty("jobs").EnumerateArray());
    }
}
