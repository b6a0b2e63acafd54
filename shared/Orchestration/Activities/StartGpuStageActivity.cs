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
/// Safe to run again for the same job (at-least-once delivery): the launch record is created, only where none
/// exists, before the start, so of two runs at once one launches and the other waits for the execution it names;
/// a rerun that finds the record reuses that execution, or asks the launcher for the one an interrupted run may have
/// started, and keeps the secret that execution holds; a record left without an execution for two minutes is taken
/// over. Recording was chosen over deriving the identity: ARM names executions itself, and a derived secret would
/// need a key the app keeps somewhere, while the record needs nothing new.
/// </remarks>
public sealed class StartGpuStageActivity : TaskActivity<StartGpuStageInput, StageExecution>
{
    private const int LaunchPolls = 60;
    private static readonly TimeSpan LaunchPollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan AbandonedLaunchAge = TimeSpan.FromMinutes(2);
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
        var recorded = await ReadRecordAsync(jobId).ConfigureAwait(false);
        if (recorded is not null)
        {
            if (await ExistingExecutionAsync(jobId, recorded).ConfigureAwait(false) is { } existing)
            {
                return existing;
            }

            // A launch recorded a moment ago may still be starting on another worker; one this old has been abandoned.
            if (_time.GetUtcNow() - recorded.StartedAt < AbandonedLaunchAge)
            {
                return await AwaitLaunchElsewhereAsync(jobId).ConfigureAwait(false);
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
        // know a start may have happened. Created only where none exists, so of two runs at once one launches.
        var pending = new GpuStageLaunchRecord(string.Empty, StageSecrets.Hash(secret), _time.GetUtcNow());
        if (recorded is null)
        {
            if (!await _blobs.TryCreateAsync(JobBlobLayout.GpuLaunch(jobId), JobJson.Serialize(pending)).ConfigureAwait(false))
            {
                return await AwaitLaunchElsewhereAsync(jobId).ConfigureAwait(false);
            }
        }
        else
        {
            await WriteRecordAsync(jobId, pending).ConfigureAwait(false);
        }

        var execution = await _launcher.StartAsync(launch).ConfigureAwait(false);
        await WriteRecordAsync(jobId, pending with { ExecutionName = execution.Name }).ConfigureAwait(false);
        return execution;
    }

    /// <summary>The execution the record names, or the one an interrupted run started before it could say so.</summary>
    private async Task<StageExecution?> ExistingExecutionAsync(string jobId, GpuStageLaunchRecord recorded)
    {
        if (recorded.ExecutionName.Length > 0)
        {
            return new StageExecution(jobId, recorded.ExecutionName);
        }

        if (await _launcher.FindAsync(jobId).ConfigureAwait(false) is not { } found)
        {
            return null;
        }

        await WriteRecordAsync(jobId, recorded with { ExecutionName = found.Name }).ConfigureAwait(false);
        return found;
    }

    /// <summary>
    /// Another run holds the launch: it names its execution in the record within seconds, so only the record is read
    /// meanwhile (the launcher, ARM in Azure, is asked once at the end). Failing after that leaves the decision to a
    /// later run, which takes the launch over once the record is <see cref="AbandonedLaunchAge"/> old.
    /// </summary>
    private async Task<StageExecution> AwaitLaunchElsewhereAsync(string jobId)
    {
        var named = await ClaimWait.ForAsync(
            async () => await ReadRecordAsync(jobId).ConfigureAwait(false) is { ExecutionName.Length: > 0 } recorded ? recorded : null,
            LaunchPolls,
            LaunchPollInterval,
            _time).ConfigureAwait(false);
        var latest = named ?? await ReadRecordAsync(jobId).ConfigureAwait(false);
        return (latest is null ? null : await ExistingExecutionAsync(jobId, latest).ConfigureAwait(false))
            ?? throw new InvalidOperationException($"Another run is launching the GPU stage of job '{jobId}' and has not named its execution; the launch is taken over after {AbandonedLaunchAge.TotalMinutes:0} minutes.");
    }

    private async Task<GpuStageLaunchRecord?> ReadRecordAsync(string jobId) =>
        await _blobs.ReadAsync(JobBlobLayout.GpuLaunch(jobId)).ConfigureAwait(false) is { } content
            ? JobJson.Deserialize<GpuStageLaunchRecord>(content)
            : null;

    private Task<long> WriteRecordAsync(string jobId, GpuStageLaunchRecord record) =>
        _blobs.WriteAsync(JobBlobLayout.GpuLaunch(jobId), JobJson.Serialize(record));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
