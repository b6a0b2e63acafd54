using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Api;
using Serverless.Batches;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Local.Batches;
using Serverless.Local.Commands;
using Serverless.Local.Tests.Fixtures;
using Serverless.Orchestration;

namespace Serverless.Local.Tests.Batches;

/// <summary>
/// Blob-triggered batches on Azurite through the local host's scan of <c>batches</c>. The tests of this
/// collection run one at a time and every other host leaves the scan off, so each test empties the two
/// batch containers first and then owns them.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BatchTriggerTests : IAsyncLifetime
{
    private const string PiSpec = """{"workload":"montecarlo-pi","shards":2,"parameters":{"samples":1000}}""";
    private static readonly TimeSpan Scan = TimeSpan.FromMilliseconds(200);
    private readonly AzuriteFixture _azurite;
    private readonly List<TestHost> _hosts = [];
    private readonly BlobContainerClient _batches;
    private readonly BlobContainerClient _failed;

    public BatchTriggerTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        var service = new BlobServiceClient(azurite.ConnectionString);
        _batches = service.GetBlobContainerClient(BatchLayout.Container);
        _failed = service.GetBlobContainerClient(BatchLayout.FailedContainer);
    }

    public async Task InitializeAsync()
    {
        foreach (var container in new[] { _batches, _failed })
        {
            await container.CreateIfNotExistsAsync();
            await foreach (var blob in container.GetBlobsAsync())
            {
                await container.DeleteBlobIfExistsAsync(blob.Name);
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private async Task<TestHost> StartHostAsync(TimeSpan? scan, string? hubName = null)
    {
        var host = await TestHost.StartAsync(_azurite, hubName, batchScanInterval: scan);
        _hosts.Add(host);
        return host;
    }

    private static BatchService Batches(TestHost host) =>
        new(host.Host.Engine.Jobs, Store(host), TimeProvider.System, NullLogger<BatchService>.Instance);

    private static BatchStore Store(TestHost host) => new(new BlobStore(new BlobServiceClient(host.Host.ConnectionString)));

    /// <summary>Uploads (or overwrites) the blob and returns the version's ETag.</summary>
    private async Task<string> DropAsync(string name, string content) =>
        (await _batches.GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true)).Value.ETag.ToString();

    /// <summary>The jobs in the host's task hub, as the job list shows them.</summary>
    private static async Task<List<string>> JobIdsAsync(TestHost host)
    {
        var page = await host.Host.Engine.Jobs.ListAsync(new JobListQuery(JobsApi.MaxPageSize));
        Assert.Null(page.ContinuationToken);
        return [.. page.Jobs.Select(job => job.InstanceId)];
    }

    private static async Task<JsonElement> WaitForBlobAsync(BlobContainerClient container, string name, Func<JsonElement, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var blob = container.GetBlobClient(name);
            if (await blob.ExistsAsync())
            {
                var json = JsonDocument.Parse((await blob.DownloadContentAsync()).Value.Content.ToMemory()).RootElement.Clone();
                if (until?.Invoke(json) != false)
                {
                    return json;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"{container.Name}/{name} did not appear (as expected) in time.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task SameVersionSeenAgain_HandledTwiceAndRescanned_StartsExactlyOneJob()
    {
        var host = await StartHostAsync(Scan);
        var etag = await DropAsync("pi.json", PiSpec);
        var sidecar = await WaitForBlobAsync(_batches, "pi.json.job.json");
        var jobId = sidecar.GetProperty("jobId").GetString()!;

        // The trigger delivered twice more, and a restarted process rescanning everything.
        var batches = Batches(host);
        var properties = (await _batches.GetBlobClient("pi.json").GetPropertiesAsync()).Value;
        var blob = new BatchBlob("pi.json", properties.ETag.ToString(), properties.ContentLength);
        var again = await batches.HandleAsync(blob);
        var andAgain = await batches.HandleAsync(blob);
        var rescanned = await new BatchWatcher(batches, Store(host), Scan, NullLogger<BatchWatcher>.Instance).ScanAsync();
        await Task.Delay(Scan * 3); // and the host's own watcher scans a few more times

        Assert.Equal(BatchLayout.JobId("pi.json", etag), jobId);
        Assert.Equal(new BatchOutcome(BatchStatus.AlreadyStarted, jobId), again);
        Assert.Equal(new BatchOutcome(BatchStatus.AlreadyStarted, jobId), andAgain);
        Assert.Equal(2, rescanned); // pi.json (already started) and its sidecar (ignored)
        Assert.Equal([jobId], await JobIdsAsync(host));
        var after = await WaitForBlobAsync(_batches, "pi.json.job.json");
        Assert.Equal("Started", after.GetProperty("status").GetString());
        Assert.Equal(sidecar.GetProperty("at").GetDateTimeOffset(), after.GetProperty("at").GetDateTimeOffset());
        await host.WaitAsync(jobId);
    }

    [Fact]
    public async Task SameVersionDeliveredAtOnceToTwoHosts_StartsExactlyOneJob()
    {
        // Two hosts on one task hub, their scans off: the test delivers the event itself, four times at once.
        var hub = TestHost.NewHubName();
        var hosts = new[] { await StartHostAsync(scan: null, hub), await StartHostAsync(scan: null, hub) };
        var etag = await DropAsync("pi.json", PiSpec);
        var blob = new BatchBlob("pi.json", etag, PiSpec.Length);

        var outcomes = await Task.WhenAll(hosts.Concat(hosts).Select(host => Batches(host).HandleAsync(blob)));

        var jobId = BatchLayout.JobId("pi.json", etag);
        Assert.All(outcomes, outcome => Assert.Equal(jobId, outcome.JobId));
        Assert.Equal([BatchStatus.Started, BatchStatus.AlreadyStarted, BatchStatus.AlreadyStarted, BatchStatus.AlreadyStarted], outcomes.Select(o => o.Status).Order());
        Assert.Equal([jobId], await JobIdsAsync(hosts[1]));
        var status = await hosts[0].WaitAsync(jobId);
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var manifest = await hosts[0].ReadBlobAsync<JobManifest>(status.GetProperty("blobs").GetProperty("manifest").GetString()!);
        Assert.Equal([0, 1], manifest.Shards.Select(s => s.Index));
        Assert.Equal(jobId, (await WaitForBlobAsync(_batches, "pi.json.job.json")).GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task Overwrite_NewVersion_StartsSecondJob()
    {
        var host = await StartHostAsync(Scan);
        await DropAsync("pi.json", PiSpec);
        var first = (await WaitForBlobAsync(_batches, "pi.json.job.json")).GetProperty("jobId").GetString();

        var etag = await DropAsync("pi.json", PiSpec);
        var second = (await WaitForBlobAsync(_batches, "pi.json.job.json", s => s.GetProperty("jobId").GetString() != first)).GetProperty("jobId").GetString();

        Assert.Equal(BatchLayout.JobId("pi.json", etag), second);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), (await JobIdsAsync(host)).Order(StringComparer.Ordinal));
        await host.WaitAsync(first!);
        await host.WaitAsync(second!);
    }

    [Fact]
    public async Task InvalidSpec_MovedToBatchesFailedWithErrorRecord_GoneFromBatches()
    {
        const string Bad = """{"workload":"montecarlo-pi","shards":0,"parameters":{"samples":1000}}""";
        var host = await StartHostAsync(Scan);
        var etag = await DropAsync("bad.json", Bad);

        var error = await WaitForBlobAsync(_failed, "bad.json.error.json");
        await WaitForDeletionAsync("bad.json");

        Assert.Equal("batches/bad.json", error.GetProperty("blob").GetString());
        Assert.Equal(BatchLayout.ETagValue(etag), error.GetProperty("etag").GetString());
        Assert.True(error.GetProperty("errors").TryGetProperty("shards", out _), error.ToString());
        Assert.Equal(Bad, (await _failed.GetBlobClient("bad.json").DownloadContentAsync()).Value.Content.ToString());
        Assert.False(await _batches.GetBlobClient("bad.json.job.json").ExistsAsync());
        Assert.Empty(await JobIdsAsync(host));
    }

    [Fact]
    public async Task DataFileInUnknownWorkloadFolder_SetAsideNamingWorkload()
    {
        var host = await StartHostAsync(Scan);
        await DropAsync("nosuch/data.txt", "one line\nanother line\n");

        var error = await WaitForBlobAsync(_failed, "nosuch/data.txt.error.json");
        await WaitForDeletionAsync("nosuch/data.txt");

        Assert.True(error.GetProperty("errors").TryGetProperty("workload", out _), error.ToString());
        Assert.Equal("one line\nanother line\n", (await _failed.GetBlobClient("nosuch/data.txt").DownloadContentAsync()).Value.Content.ToString());
        Assert.Empty(await JobIdsAsync(host));
    }

    [Fact]
    public async Task ValidSpec_Completes_SidecarNamesTheJob()
    {
        var host = await StartHostAsync(Scan);
        var etag = await DropAsync("pi.json", PiSpec);

        var sidecar = await WaitForBlobAsync(_batches, "pi.json.job.json");
        var jobId = sidecar.GetProperty("jobId").GetString()!;
        var status = await host.WaitAsync(jobId);

        Assert.Equal(BatchLayout.JobId("pi.json", etag), jobId);
        Assert.Equal("Started", sidecar.GetProperty("status").GetString());
        Assert.Equal("batches/pi.json", sidecar.GetProperty("blob").GetString());
        Assert.Equal($"/api/jobs/{jobId}", sidecar.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var viaSidecar = JsonDocument.Parse(await host.Http.GetStringAsync(sidecar.GetProperty("statusQueryGetUri").GetString())).RootElement;
        Assert.Equal(jobId, viaSidecar.GetProperty("instanceId").GetString());
        Assert.Equal(1000, status.GetProperty("output").GetProperty("result").GetProperty("samples").GetInt64());
    }

    [Theory]
    [InlineData("pi.json", null, "pi.json")]
    [InlineData("books.txt", "wordcount", "wordcount/books.txt")]
    [InlineData("spec.json", "checksum", "checksum/spec.json")]
    public void DropBlobName_SpecOrWorkloadFolder(string file, string? workload, string expected) =>
        Assert.Equal(expected, DropCommand.BlobName(file, workload));

    [Fact]
    public void DropBlobName_DataFileWithoutWorkload_Refused() =>
        Assert.Throws<ArgumentException>(() => DropCommand.BlobName("books.txt", null));

    private async Task WaitForDeletionAsync(string name)
    {
        for (var i = 0; i < 300 && await _batches.GetBlobClient(name).ExistsAsync(); i++)
        {
            await Task.Delay(100);
        }

        Assert.False(await _batches.GetBlobClient(name).ExistsAsync(), $"batches/{name} is still there.");
    }
}
