using System.Security.Cryptography;
using Microsoft.DurableTask;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Writes the stage's input blob and launch record, then starts one execution. The callback secret is made
/// here (randomness is an activity's business) and only its hash is stored, so neither the orchestration
/// history nor the blobs can complete the stage in someone else's name.
/// </summary>
/// <remarks>
/// Safe to run again for the same job (at-least-once delivery): the launch record is written before the start, so
/// a rerun that finds it reuses the execution it names, or asks the launcher for the one an interrupted run may have
/// started, and keeps the secret that execution holds. Recording was chosen over deriving the identity: ARM names
/// executions itself, and a derived secret would need a key the app keeps somewhere, while the record needs nothing new.
/// </remarks>
public sealed class StartGpuStageActivity : TaskActivity<StartGpuStageInput, StageExecution>
{
    private readonly WorkloadCatalog _workloads;
    private readonly IBlobStore _blobs;
    private readonly IStageLauncher _launcher;
    private readonly StageCallbackOptions _callback;
    private readonly TimeProvider _time;

    public StartGpuStageActivity(WorkloadCatalog workloads, IBlobStore blobs, IStageLauncher launcher, StageCallbackOptions callback, TimeProvider time)
    {
        _workloads = workloads;
        _blobs = blobs;
        _launcher = launcher;
        _callback = callback;
        _time = time;
    }

    public override Task<StageExecution> RunAsync(TaskActivityContext context, StartGpuStageInput input) => ExecuteAsync(input);

    public async Task<StageExecution> ExecuteAsync(StartGpuStageInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var jobId = input.JobId;
        if (await ReadRecordAsync(jobId).ConfigureAwait(false) is { } recorded)
        {
            if (recorded.ExecutionName.Length > 0)
            {
                return new StageExecution(jobId, recorded.ExecutionName);
            }

            // An earlier run wrote the record, then stopped before hearing back from the launcher.
            if (await _launcher.FindAsync(jobId).ConfigureAwait(false) is { } found)
            {
                await WriteRecordAsync(jobId, recorded with { ExecutionName = found.Name }).ConfigureAwait(false);
                return found;
            }
        }

        var workload = (IGpuStageWorkload)_workloads.Get(input.Workload);
        await _blobs.WriteAsync(JobBlobLayout.GpuInput(jobId), JobJson.Serialize(workload.PlanStage(input.Parameters))).ConfigureAwait(false);

        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var launch = new StageLaunch(
            jobId,
            JobBlobLayout.GpuInput(jobId),
            JobBlobLayout.GpuOutput(jobId),
            JobBlobLayout.GpuMetrics(jobId),
            JobBlobLayout.GpuLog(jobId),
            _callback.UrlFor(jobId),
            secret);

        // The record goes first: a fast execution's callback must find the hash to check against, and a rerun must
        // know a start may have happened.
        var pending = new GpuStageLaunchRecord(string.Empty, StageSecrets.Hash(secret), _time.GetUtcNow());
        await WriteRecordAsync(jobId, pending).ConfigureAwait(false);
        var execution = await _launcher.StartAsync(launch).ConfigureAwait(false);
        await WriteRecordAsync(jobId, pending with { ExecutionName = execution.Name }).ConfigureAwait(false);
        return execution;
    }

    private async Task<GpuStageLaunchRecord?> ReadRecordAsync(string jobId) =>
        await _blobs.ReadAsync(JobBlobLayout.GpuLaunch(jobId)).ConfigureAwait(false) is { } content
            ? JobJson.Deserialize<GpuStageLaunchRecord>(content)
            : null;

    private Task<long> WriteRecordAsync(string jobId, GpuStageLaunchRecord record) =>
        _blobs.WriteAsync(JobBlobLayout.GpuLaunch(jobId), JobJson.Serialize(record));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
