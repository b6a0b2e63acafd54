using Azure;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Queues;
using Serverless.Local.Storage;
using Serverless.Storage;

namespace Serverless.Local.Tests.Storage;

public sealed class StorageRequestCounterTests
{
    private const string Azurite = "http://127.0.0.1:10000/devstoreaccount1";

    [Theory]
    [InlineData("GET", Azurite + "/results?restype=container&comp=list&prefix=job%2F", StorageRequestKind.BlobList)]
    [InlineData("GET", Azurite + "/?comp=list", StorageRequestKind.BlobList)]
    [InlineData("GET", Azurite + "/results/job/shards/3.json", StorageRequestKind.BlobRead)]
    [InlineData("HEAD", Azurite + "/results/job/result.json", StorageRequestKind.BlobRead)]
    [InlineData("PUT", Azurite + "/results/job/shards/3.json", StorageRequestKind.BlobWrite)]
    [InlineData("PUT", Azurite + "/hub-leases?restype=container", StorageRequestKind.BlobWrite)]
    [InlineData("PUT", Azurite + "/hub-leases/default/hub-control-00?comp=lease", StorageRequestKind.BlobLease)]
    [InlineData("DELETE", Azurite + "/results/job/shards/3.json", StorageRequestKind.BlobDelete)]
    [InlineData("POST", Azurite + "/?comp=batch", StorageRequestKind.BlobOther)]
    public void Classify_BlobRequests(string method, string uri, StorageRequestKind expected) =>
        Assert.Equal(expected, StorageRequests.Classify(StorageService.Blob, method, new Uri(uri)));

    [Theory]
    [InlineData("GET", "http://127.0.0.1:10001/devstoreaccount1/hub-workitems/messages?numofmessages=1&visibilitytimeout=30", StorageRequestKind.QueueDequeue)]
    [InlineData("GET", "https://acct.queue.core.windows.net/hub-control-02/messages?numofmessages=32&visibilitytimeout=30", StorageRequestKind.QueueDequeue)]
    [InlineData("GET", "https://acct.queue.core.windows.net/hub-control-02/messages?peekonly=true&numofmessages=1", StorageRequestKind.QueuePeek)]
    [InlineData("POST", "https://acct.queue.core.windows.net/hub-workitems/messages", StorageRequestKind.QueuePut)]
    [InlineData("PUT", "https://acct.queue.core.windows.net/hub-workitems/messages/0b6f?popreceipt=AgAAAA%3D%3D&visibilitytimeout=30", StorageRequestKind.QueueUpdate)]
    [InlineData("DELETE", "https://acct.queue.core.windows.net/hub-workitems/messages/0b6f?popreceipt=AgAAAA%3D%3D", StorageRequestKind.QueueDelete)]
    [InlineData("GET", "https://acct.queue.core.windows.net/hub-workitems?comp=metadata", StorageRequestKind.QueueOther)]
    [InlineData("PUT", "https://acct.queue.core.windows.net/hub-workitems", StorageRequestKind.QueueOther)]
    [InlineData("DELETE", "https://acct.queue.core.windows.net/hub-workitems/messages", StorageRequestKind.QueueOther)]
    public void Classify_QueueRequests(string method, string uri, StorageRequestKind expected) =>
        Assert.Equal(expected, StorageRequests.Classify(StorageService.Queue, method, new Uri(uri)));

    [Theory]
    [InlineData("GET", "http://127.0.0.1:10002/devstoreaccount1/HubInstances(PartitionKey='job',RowKey='')", StorageRequestKind.TablePointRead)]
    [InlineData("GET", "https://acct.table.core.windows.net/HubInstances(PartitionKey='a%2Fb',RowKey='')?$select=RuntimeStatus", StorageRequestKind.TablePointRead)]
    [InlineData("GET", "https://acct.table.core.windows.net/HubHistory()?$filter=PartitionKey%20eq%20'job'", StorageRequestKind.TableQuery)]
    [InlineData("GET", "https://acct.table.core.windows.net/HubHistory", StorageRequestKind.TableQuery)]
    [InlineData("POST", "https://acct.table.core.windows.net/HubJobs", StorageRequestKind.TableWrite)]
    [InlineData("PUT", "https://acct.table.core.windows.net/HubInstances(PartitionKey='job',RowKey='')", StorageRequestKind.TableWrite)]
    [InlineData("PATCH", "https://acct.table.core.windows.net/HubInstances(PartitionKey='job',RowKey='')", StorageRequestKind.TableWrite)]
    [InlineData("DELETE", "https://acct.table.core.windows.net/HubInstances(PartitionKey='job',RowKey='')", StorageRequestKind.TableWrite)]
    [InlineData("POST", "http://127.0.0.1:10002/devstoreaccount1/$batch", StorageRequestKind.TableBatch)]
    [InlineData("POST", "https://acct.table.core.windows.net/Tables", StorageRequestKind.TableOther)]
    [InlineData("GET", "https://acct.table.core.windows.net/Tables?$filter=TableName%20eq%20'HubJobs'", StorageRequestKind.TableOther)]
    [InlineData("DELETE", "https://acct.table.core.windows.net/Tables('HubJobs')", StorageRequestKind.TableOther)]
    public void Classify_TableRequests(string method, string uri, StorageRequestKind expected) =>
        Assert.Equal(expected, StorageRequests.Classify(StorageService.Table, method, new Uri(uri)));

    /// <summary>The shapes the SDK really sends, counted before any answer: each call once, as its kind.</summary>
    [Fact]
    public async Task SdkClients_EachCallCountedOnceAsItsKind()
    {
        var counter = new StorageRequestCounter();
        var connection = AzuriteProcess.ConnectionStringFor(AzuriteProcess.DefaultPorts);
        var blob = new BlobServiceClient(connection, Quiet(counter.AddTo(new BlobClientOptions(), StorageService.Blob))).GetBlobContainerClient("results").GetBlobClient("job/shards/0.json");
        var queue = new QueueServiceClient(connection, Quiet(counter.AddTo(new QueueClientOptions(), StorageService.Queue))).GetQueueClient("hub-workitems");
        var table = new TableServiceClient(connection, Quiet(counter.AddTo(new TableClientOptions(), StorageService.Table))).GetTableClient("HubHistory");
        var entity = new TableEntity("job", "0000000000000001") { ["EventType"] = "TaskScheduled" };

        Func<Task>[] calls =
        [
            () => blob.UploadAsync(BinaryData.FromString("{}"), overwrite: true),
            () => blob.DownloadContentAsync(),
            () => blob.GetParentBlobContainerClient().GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "job/", CancellationToken.None).AsPages().GetAsyncEnumerator().MoveNextAsync().AsTask(),
            () => blob.GetBlobLeaseClient().AcquireAsync(TimeSpan.FromSeconds(30)),
            () => blob.DeleteIfExistsAsync(),
            () => queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30)),
            () => queue.PeekMessagesAsync(1),
            () => queue.SendMessageAsync("{}"),
            () => queue.UpdateMessageAsync("id", "receipt", visibilityTimeout: TimeSpan.FromSeconds(30)),
            () => queue.DeleteMessageAsync("id", "receipt"),
            () => table.GetEntityAsync<TableEntity>("job", "0000000000000001"),
            () => table.QueryAsync<TableEntity>(e => e.PartitionKey == "job").AsPages().GetAsyncEnumerator().MoveNextAsync().AsTask(),
            () => table.AddEntityAsync(entity),
            () => table.UpsertEntityAsync(entity, TableUpdateMode.Merge),
            () => table.DeleteEntityAsync("job", "0000000000000001"),
            () => table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.Add, entity)]),
            () => table.CreateIfNotExistsAsync(),
        ];
        foreach (var call in calls)
        {
            try
            {
                await call();
            }
            catch (Exception e) when (e is RequestFailedException or InvalidOperationException or FormatException or System.Text.Json.JsonException or System.Xml.XmlException or ArgumentException)
            {
                // The stub answers 400 with no body: only the request matters here.
            }
        }

        var counts = counter.Snapshot();
        // One call of each kind, but three table writes (add, merge, delete) and no "other" blob or queue call.
        Assert.All(Enum.GetValues<StorageRequestKind>(), kind => Assert.Equal(
            kind switch { StorageRequestKind.TableWrite => 3, StorageRequestKind.BlobOther or StorageRequestKind.QueueOther => 0, _ => 1 },
            counts[kind]));
        counter.Reset();
        Assert.All(counter.Snapshot().Values, count => Assert.Equal(0, count));
    }

    /// <summary>No retries, and a transport that answers every request with an empty 400 without sending it.</summary>
    private static T Quiet<T>(T options)
        where T : Azure.Core.ClientOptions
    {
        options.Retry.MaxRetries = 0;
#pragma warning disable CA2000 // The client lives as long as the test's clients.
        options.Transport = new HttpClientTransport(new HttpClient(new BadRequestHandler()));
#pragma warning restore CA2000
        return options;
    }

    private sealed class BadRequestHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest) { RequestMessage = request });
    }
}
