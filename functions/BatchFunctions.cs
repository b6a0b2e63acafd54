using Azure;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Serverless.Api;
using Serverless.Batches;

namespace Serverless.Functions;

/// <summary>
/// Blob-triggered batches: a new blob in <c>batches</c> starts its job through the shared
/// <see cref="BatchService"/>. Event Grid delivers the BlobCreated events (Flex Consumption has no polling
/// blob trigger); infra/eventgrid.bicep and the postdeploy hook point at this function's name.
/// </summary>
public sealed class BatchFunctions
{
    private readonly JobServices _jobs;
    private readonly IBatchStore _batches;
    private readonly TimeProvider _time;
    private readonly ILogger<BatchService> _logger;

    public BatchFunctions(JobServices jobs, IBatchStore batches, TimeProvider time, ILogger<BatchService> logger)
    {
        _jobs = jobs;
        _batches = batches;
        _time = time;
        _logger = logger;
    }

    [Function("BatchBlobCreated")]
    public async Task RunAsync(
        [BlobTrigger("batches/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob,
        string name,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        Azure.Storage.Blobs.Models.BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return; // deleted before its event arrived (a batch set aside, say): nothing to start
        }

        // The client comes from the binding per invocation, so the services over it are made here.
        var outcome = await new BatchService(_jobs.For(client), _batches, _time, _logger)
            .HandleAsync(new BatchBlob(name, properties.ETag.ToString(), properties.ContentLength), cancellationToken).ConfigureAwait(false);
        if (outcome.Status == BatchStatus.SetAsideFailed)
        {
            // Failing the invocation makes Event Grid deliver the event again, so the set-aside is retried.
            throw new InvalidOperationException($"Batch '{name}' is invalid ({outcome.Detail}) and could not be moved to {BatchLayout.FailedContainer}; it will be retried.");
        }
    }
}
