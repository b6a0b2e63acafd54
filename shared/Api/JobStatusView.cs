using System.Text.Json.Serialization;
using Microsoft.DurableTask.Client;
using Serverless.Engine;
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
    [JsonIgnore]
    public bool IsFinished { get; init; }

    public static JobStatusView From(EngineInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var input = instance.ReadInput<JobInput>();
        var progress = instance.ReadCustomStatus<JobProgress>();
        var output = instance.Status == OrchestrationRuntimeStatus.Completed ? instance.ReadOutput<JobOutcome>() : null;
        var jobId = instance.InstanceId;
        var blobs = output?.Blobs ?? new JobBlobs(null, JobBlobLayout.Manifest(jobId), JobBlobLayout.ShardsFolder(jobId));
        var error = instance.Status switch
        {
            OrchestrationRuntimeStatus.Failed => instance.FailureMessage,
            OrchestrationRuntimeStatus.Terminated => JobService.CancelReason,
            _ => output?.Error,
        };

        return new JobStatusView(
            jobId,
            instance.Name,
            instance.Status.ToString(),
            PhaseOf(instance.Status, progress, output),
            input?.Spec.Workload,
            ShardsOf(input, progress),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            progress,
            output,
            error,
            blobs)
        {
            IsFinished = instance.IsFinished,
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
