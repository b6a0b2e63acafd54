using System.Globalization;
using Microsoft.DurableTask;
using Serverless.Costs;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Decides the job's status from the failed share, writes <c>manifest.json</c> (always) and <c>result.json</c>
/// (unless the job failed), and returns the small outcome the orchestration keeps. The manifest's cost is the root
/// range's usage, this call's and the job's few bookkeeping calls', priced by <see cref="CostLedger"/>.
/// </summary>
public sealed class FinishJobActivity : TaskActivity<FinishJobInput, JobOutcome>
{
    private const int FailedIndexesInOutcome = 100;
    private readonly WorkloadCatalog _workloads;
    private readonly IBlobStore _blobs;
    private readonly RangeReducer _reducer;
    private readonly JobDocuments _documents;
    private readonly TimeProvider _time;
    private readonly CostPrices _prices;

    public FinishJobActivity(WorkloadCatalog workloads, IBlobStore blobs, RangeReducer reducer, JobDocuments documents, TimeProvider time, CostPrices prices)
    {
        _prices = prices;
        _workloads = workloads;
        _blobs = blobs;
        _reducer = reducer;
        _documents = documents;
        _time = time;
    }

    public override Task<JobOutcome> RunAsync(TaskActivityContext context, FinishJobInput input) => ExecuteAsync(input);

    public async Task<JobOutcome> ExecuteAsync(FinishJobInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var usage = UsageScope.Begin();
        var (jobId, root) = (input.JobId, input.Root);
        var spec = (await _documents.SpecAsync(jobId).ConfigureAwait(false)) with { Shards = input.Shards };
        var range = await _reducer.ReadRangeAsync(root.Blob).ConfigureAwait(false);
        var items = spec.Input is null ? null : await new ItemResults(_blobs).SummarizeAsync(range.Shards, spec.Input.Blob is not null, input.InputSize).ConfigureAwait(false);
        var (status, error) = Judge(spec, root, items);

        var resultBlob = status == JobResultStatus.Failed || range.Partial is null ? null : JobBlobLayout.Result(jobId);
        System.Text.Json.JsonElement? result = null;
        if (resultBlob is not null)
        {
            result = await _workloads.Get(spec.Workload).FinishAsync(range.Partial!.Value, spec.Parameters, new JobContext(jobId, spec.Shards), CancellationToken.None).ConfigureAwait(false);
            var document = new JobResultDocument(jobId, spec.Workload, status, spec.Shards, root.Succeeded, root.Failed, result.Value);
            await _blobs.WriteAsync(resultBlob, JobJson.Serialize(document)).ConfigureAwait(false);
        }

        var gpuStage = input.Redrive == 0 && _workloads.Get(spec.Workload) is IGpuStageWorkload;
        var gpuSeconds = gpuStage ? await GpuSecondsAsync(jobId).ConfigureAwait(false) : 0;
        usage.Add(StorageRequestKind.BlobWrite);
        var used = (range.Usage ?? Usage.None).Add(usage.ToUsage()).Add(Bookkeeping(range.Usage?.Orchestrations ?? 0, planned: spec.Input is not null && input.Redrive == 0, gpuStage));
        var cost = CostLedger.Price(used, gpuSeconds, _prices);
        var manifest = new JobManifest(jobId, spec.Workload, status, spec.Shards, root.Succeeded, root.Failed, spec.ToleratedFailurePercent, resultBlob, _time.GetUtcNow(), range.Shards, items, input.Redrive, cost, SpeculationSummary.Of(range.Shards));
        var manifestBlob = JobBlobLayout.Manifest(jobId);
        await _blobs.WriteAsync(manifestBlob, JobJson.Serialize(manifest)).ConfigureAwait(false);

        var failedIndexes = range.Shards.Where(s => s.Status == ShardStatus.Failed).Select(s => s.Index).Take(FailedIndexesInOutcome).ToList();
        return new JobOutcome(jobId, spec.Workload, status, spec.Shards, root.Succeeded, root.Failed, failedIndexes, result,
            new JobBlobs(resultBlob, manifestBlob, JobBlobLayout.ShardsFolder(jobId)), error);
    }

    /// <summary>
    /// The job orchestration itself and the calls no range record counts, each of which always makes the same
    /// requests: storing the spec (one write), each range orchestration looking for its own record (one read), the
    /// item plan and the GPU stage's start and output check (their requests are not counted; the stage's status
    /// polls, as many as its run took, are not counted at all).
    /// </summary>
    private static Usage Bookkeeping(int rangeOrchestrations, bool planned, bool gpuStage)
    {
        var requests = new SortedDictionary<string, long>(StringComparer.Ordinal) { [StorageRequests.Name(StorageRequestKind.BlobWrite)] = 1 };
        if (rangeOrchestrations > 0)
        {
            requests[StorageRequests.Name(StorageRequestKind.BlobRead)] = rangeOrchestrations;
        }

        var calls = 1 + rangeOrchestrations + (planned ? 1 : 0) + (gpuStage ? 2 : 0);
        return new Usage(0, 0, calls, 1, requests);
    }

    /// <summary>The stage program's own run time from its metrics (0 when it wrote none): container start-up is not in it.</summary>
    private async Task<double> GpuSecondsAsync(string jobId)
    {
        var metrics = await _blobs.ReadAsync(JobBlobLayout.GpuMetrics(jobId)).ConfigureAwait(false);
        return metrics is null ? 0 : JobJson.Deserialize<StageMetrics>(metrics).TotalMilliseconds / 1000;
    }

    /// <summary>
    /// Failed when the failed share of shards, or of items for an item job, exceeds the tolerance (or no shard
    /// succeeded); else flagged if any failed.
    /// </summary>
    public static (JobResultStatus Status, string? Error) Judge(JobSpec spec, RangeSummary root, ItemSummary? items = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(root);
        var failedItems = items?.Failed ?? 0;
        if (root.Failed == 0 && failedItems == 0)
        {
            return (JobResultStatus.Completed, null);
        }

        var shardPercent = 100.0 * root.Failed / spec.Shards;
        var itemPercent = items is { Total: > 0 } ? 100.0 * failedItems / items.Total : 0;
        var failedPercent = Math.Max(shardPercent, itemPercent);
        var parts = new List<string>();
        if (root.Failed > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{root.Failed} of {spec.Shards} shards failed ({shardPercent:0.##}%)"));
        }

        if (failedItems > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{failedItems} of {items!.Total} items failed ({itemPercent:0.##}%)"));
        }

        var summary = string.Join(" and ", parts);
        if (root.Succeeded == 0 || failedPercent > spec.ToleratedFailurePercent)
        {
            return (JobResultStatus.Failed, string.Create(CultureInfo.InvariantCulture, $"{summary}, more than the tolerated {spec.ToleratedFailurePercent:0.##}%."));
        }

        return (JobResultStatus.CompletedWithFailures, string.Create(CultureInfo.InvariantCulture, $"{summary}, within the tolerated {spec.ToleratedFailurePercent:0.##}%."));
    }
}
