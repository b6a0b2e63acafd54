using System.Text.Json.Serialization;
using Microsoft.DurableTask.Client;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Storage;

namespace Serverless.Api;

/// <summary>
/// GET /api/jobs/{id}: the Durable Functions status payload (instanceId, name, runtimeStatus, customStatus,
/// output, createdTime, lastUpdatedTime) plus the job's phase, workload, shard count, error and blob paths.
/// </summary>
/// <param name="Shards">
/// The shards the job runs: from its spec (given or the workload's default), so known from the start; for an item
/// job from its plan, so null while it is planned.
/// </param>
public sealed record JobStatusView(
    string InstanceId,
    string Name,
    string RuntimeStatus,
    string Phase,
    string? Workload,
    int? Shards,
    DateTimeOffset CreatedTime,
    DateTimeOffset LastUpdatedTime,
    JobProgress? CustomStatus,
    JobOutcome? Output,
    string? Error,
    JobBlobs Blobs)
{
    /// <summary>From the job's input: above this many shards the job runs in range orchestrations.</summary>
    [JsonIgnore]
    public int ShardsPerOrchestration { get; init; }

    [JsonIgnore]
    public bool IsFinished => RuntimeStatus is nameof(OrchestrationRuntimeStatus.Completed)
        or nameof(OrchestrationRuntimeStatus.Failed) or nameof(OrchestrationRuntimeStatus.Terminated);

    public static JobStatusView From(OrchestrationMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var input = metadata.SerializedInput is null ? null : metadata.ReadInputAs<JobInput>();
        var progress = metadata.SerializedCustomStatus is null ? null : metadata.ReadCustomStatusAs<JobProgress>();
        var output = metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed && metadata.SerializedOutput is not null
            ? metadata.ReadOutputAs<JobOutcome>()
            : null;
        var jobId = metadata.InstanceId;
        var blobs = output?.Blobs ?? new JobBlobs(null, JobBlobLayout.Manifest(jobId), JobBlobLayout.ShardsFolder(jobId));
        var error = metadata.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Failed => metadata.FailureDetails?.ErrorMessage,
            OrchestrationRuntimeStatus.Terminated => JobService.CancelReason,
            _ => output?.Error,
        };

        return new JobStatusView(
            jobId,
            metadata.Name,
            metadata.RuntimeStatus.ToString(),
            PhaseOf(metadata.RuntimeStatus, progress, output),
            input?.Spec.Workload,
            ShardsOf(input, progress),
            metadata.CreatedAt,
            metadata.LastUpdatedAt,
            progress,
            output,
            error,
            blobs)
        {
            ShardsPerOrchestration = input?.ShardsPerOrchestration ?? int.MaxValue,
        };
    }

    // An item job's spec holds a placeholder until its input is planned; a redrive carries the plan, a first run reports it in its progress.
    private static int? ShardsOf(JobInput? input, JobProgress? progress) =>
        input?.Spec.Input is null ? input?.Spec.Shards : input.Plan?.Shards ?? (progress?.TotalShards > 0 ? progress.TotalShards : null);

    private static string PhaseOf(OrchestrationRuntimeStatus status, JobProgress? progress, JobOutcome? output) => status switch
    {
        OrchestrationRuntimeStatus.Completed => output?.Status.ToString() ?? nameof(JobResultStatus.Completed),
        OrchestrationRuntimeStatus.Failed => nameof(JobResultStatus.Failed),
        OrchestrationRuntimeStatus.Terminated => "Canceled",
        OrchestrationRuntimeStatus.Running => progress?.Phase ?? "Running",
        _ => status.ToString(),
    };
}
