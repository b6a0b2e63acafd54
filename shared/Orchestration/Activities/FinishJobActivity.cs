using System.Globalization;
using Microsoft.DurableTask;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Decides the job's status from the failed share, writes <c>manifest.json</c> (always) and <c>result.json</c>
/// (unless the job failed), and returns the small outcome the orchestration keeps.
/// </summary>
public sealed class FinishJobActivity : TaskActivity<FinishJobInput, JobOutcome>
{
    private const int FailedIndexesInOutcome = 100;
    private readonly WorkloadCatalog _workloads;
    private readonly IBlobStore _blobs;
    private readonly RangeReducer _reducer;
    private readonly TimeProvider _time;

    public FinishJobActivity(WorkloadCatalog workloads, IBlobStore blobs, RangeReducer reducer, TimeProvider time)
    {
        _workloads = workloads;
        _blobs = blobs;
        _reducer = reducer;
        _time = time;
    }

    public override Task<JobOutcome> RunAsync(TaskActivityContext context, FinishJobInput input) => ExecuteAsync(input);

    public async Task<JobOutcome> ExecuteAsync(FinishJobInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (jobId, spec, root) = (input.JobId, input.Spec, input.Root);
        var range = await _reducer.ReadRangeAsync(root.Blob).ConfigureAwait(false);
        var (status, error) = Judge(spec, root);

        var resultBlob = status == JobResultStatus.Failed || range.Partial is null ? null : JobBlobLayout.Result(jobId);
        System.Text.Json.JsonElement? result = null;
        if (resultBlob is not null)
        {
            result = await _workloads.Get(spec.Workload).FinishAsync(range.Partial!.Value, spec.Parameters, new JobContext(jobId, spec.Shards), CancellationToken.None).ConfigureAwait(false);
            var document = new JobResultDocument(jobId, spec.Workload, status, spec.Shards, root.Succeeded, root.Failed, result.Value);
            await _blobs.WriteAsync(resultBlob, JobJson.Serialize(document)).ConfigureAwait(false);
        }

        var manifest = new JobManifest(jobId, spec.Workload, status, spec.Shards, root.Succeeded, root.Failed, spec.ToleratedFailurePercent, resultBlob, _time.GetUtcNow(), range.Shards);
        var manifestBlob = JobBlobLayout.Manifest(jobId);
        await _blobs.WriteAsync(manifestBlob, JobJson.Serialize(manifest)).ConfigureAwait(false);

        var failedIndexes = range.Shards.Where(s => s.Status == ShardStatus.Failed).Select(s => s.Index).Take(FailedIndexesInOutcome).ToList();
        return new JobOutcome(jobId, spec.Workload, status, spec.Shards, root.Succeeded, root.Failed, failedIndexes, result,
            new JobBlobs(resultBlob, manifestBlob, JobBlobLayout.ShardsFolder(jobId)), error);
    }

    /// <summary>Failed when the failed share exceeds the tolerance (or nothing succeeded); else flagged if any failed.</summary>
    public static (JobResultStatus Status, string? Error) Judge(JobSpec spec, RangeSummary root)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(root);
        if (root.Failed == 0)
        {
            return (JobResultStatus.Completed, null);
        }

        var failedPercent = 100.0 * root.Failed / spec.Shards;
        var summary = string.Create(CultureInfo.InvariantCulture, $"{root.Failed} of {spec.Shards} shards failed ({failedPercent:0.##}%)");
        if (root.Succeeded == 0 || failedPercent > spec.ToleratedFailurePercent)
        {
            return (JobResultStatus.Failed, string.Create(CultureInfo.InvariantCulture, $"{summary}, more than the tolerated {spec.ToleratedFailurePercent:0.##}%."));
        }

        return (JobResultStatus.CompletedWithFailures, string.Create(CultureInfo.InvariantCulture, $"{summary}, within the tolerated {spec.ToleratedFailurePercent:0.##}%."));
    }
}
