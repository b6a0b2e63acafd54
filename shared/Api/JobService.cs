using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.DurableTask.Client;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Api;

/// <summary>Settings both hosts read from host.json's "serverless" section.</summary>
public sealed record JobEngineOptions(int ShardsPerOrchestration = JobEngineOptions.DefaultShardsPerOrchestration)
{
    public const int DefaultShardsPerOrchestration = 500;

    /// <summary>host.json <c>serverless:gpuStage</c>: poll every 30 s, give up after an hour, unless set.</summary>
    public GpuStageSettings GpuStage { get; init; } = new(PollIntervalSeconds: 30, TimeoutSeconds: 3600);

    /// <summary>Reads host.json's "serverless" section; both hosts call this, so both read the same names.</summary>
    public static JobEngineOptions From(IConfiguration serverless)
    {
        ArgumentNullException.ThrowIfNull(serverless);
        var defaults = new JobEngineOptions();
        return new JobEngineOptions(serverless.GetValue("shardsPerOrchestration", DefaultShardsPerOrchestration))
        {
            GpuStage = new GpuStageSettings(
                serverless.GetValue("gpuStage:pollIntervalSeconds", defaults.GpuStage.PollIntervalSeconds),
                serverless.GetValue("gpuStage:timeoutSeconds", defaults.GpuStage.TimeoutSeconds)),
        };
    }

    // Ranges split by powers of this number, so it must be at least 2.
    public int ShardsPerOrchestration { get; init; } = ShardsPerOrchestration >= 2
        ? ShardsPerOrchestration
        : throw new ArgumentOutOfRangeException(nameof(ShardsPerOrchestration), ShardsPerOrchestration, "shardsPerOrchestration must be at least 2.");
}

public enum CancelOutcome
{
    NotFound,
    AlreadyFinished,
    Canceling,
}

public enum RedriveOutcome
{
    NotFound,
    NotFinished,
    NothingToRedrive,
    Redriving,
}

public enum StageCallbackOutcome
{
    NotFound,
    NoStage,
    MissingSecret,
    WrongSecret,
    AlreadyFinished,
    Authorized,
}

/// <summary>
/// What a user can do with jobs, on any <see cref="DurableTaskClient"/>: the Functions binding in Azure, the
/// engine shim locally. The HTTP API and the command line both go through here.
/// </summary>
public sealed class JobService
{
    public const string CancelReason = "Canceled by user.";
    private readonly DurableTaskClient _client;
    private readonly IBlobStore _blobs;
    private readonly JobSpecParser _parser;
    private readonly JobEngineOptions _options;
    private readonly IStageLauncher? _stages;

    /// <param name="stages">Stops a canceled job's GPU stage execution; null where no stage can run.</param>
    public JobService(DurableTaskClient client, IBlobStore blobs, JobSpecParser parser, JobEngineOptions options, IStageLauncher? stages = null)
    {
        _client = client;
        _blobs = blobs;
        _parser = parser;
        _options = options;
        _stages = stages;
    }

    /// <summary>Parses and validates the spec; starts the job only when it has no errors.</summary>
    public async Task<string?> SubmitAsync(string json, ValidationErrors errors, CancellationToken cancellationToken = default)
    {
        var spec = _parser.Parse(json, errors);
        return spec is null ? null : await StartAsync(spec, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> StartAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        var jobId = Guid.NewGuid().ToString("N");
        await _client.ScheduleNewOrchestrationInstanceAsync(
            nameof(JobOrchestrator),
            InputFor(spec),
            new StartOrchestrationOptions(jobId),
            cancellationToken).ConfigureAwait(false);
        return jobId;
    }

    /// <summary>The orchestration input of a new job: its spec with the engine's settings for it.</summary>
    private JobInput InputFor(JobSpec spec) =>
        new(spec, _options.ShardsPerOrchestration, _parser.Workloads.Get(spec.Workload) is IGpuStageWorkload ? _options.GpuStage : null);

    /// <summary>The job's status, or null when no job has that id (sub-orchestrations are not jobs).</summary>
    public async Task<JobStatusView?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        return job?.CustomStatus is { } progress && job.RuntimeStatus == nameof(OrchestrationRuntimeStatus.Running) && progress.TotalShards > job.ShardsPerOrchestration
            ? job with { CustomStatus = await AddRangeProgressAsync(jobId, progress, cancellationToken).ConfigureAwait(false) }
            : job;
    }

    /// <summary>The job's own status, without asking its ranges for progress.</summary>
    private async Task<JobStatusView?> FindAsync(string jobId, CancellationToken cancellationToken)
    {
        var metadata = await _client.GetInstanceAsync(jobId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        return metadata is null || !IsJob(metadata) ? null : JobStatusView.From(metadata);
    }

    /// <summary>
    /// A large job's own status only moves when a whole range finishes; each running range reports the shards
    /// it has finished itself. A finished shard is counted by exactly one running orchestration (its range
    /// until that completes, then the parent), so the sum is the job's progress.
    /// </summary>
    private async Task<JobProgress> AddRangeProgressAsync(string jobId, JobProgress job, CancellationToken cancellationToken)
    {
        int completed = job.CompletedShards, failed = job.FailedShards;
        var running = new OrchestrationQuery { InstanceIdPrefix = jobId + ":", Statuses = [OrchestrationRuntimeStatus.Running], FetchInputsAndOutputs = true };
        await foreach (var range in _client.GetAllInstancesAsync(running).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (range.SerializedCustomStatus is not null && range.ReadCustomStatusAs<JobProgress>() is { } progress)
            {
                completed += progress.CompletedShards;
                failed += progress.FailedShards;
            }
        }

        return job with { CompletedShards = Math.Min(completed, job.TotalShards), FailedShards = failed };
    }

    /// <summary>One page of jobs created since <paramref name="createdFrom"/>, newest first within the page.</summary>
    public async Task<JobPage> ListAsync(int pageSize, string? continuationToken, DateTimeOffset createdFrom, CancellationToken cancellationToken = default)
    {
        var query = new OrchestrationQuery { PageSize = pageSize, FetchInputsAndOutputs = true, CreatedFrom = createdFrom };
        await foreach (var page in _client.GetAllInstancesAsync(query).AsPages(continuationToken, pageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var jobs = page.Values.Where(IsJob).Select(JobStatusView.From).OrderByDescending(j => j.CreatedTime).ToList();
            return new JobPage(jobs, page.ContinuationToken);
        }

        return new JobPage([], null);
    }

    /// <summary>Terminates the job and every range orchestration it started.</summary>
    public async Task<CancelOutcome> CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return CancelOutcome.NotFound;
        }

        if (job.IsFinished)
        {
            return CancelOutcome.AlreadyFinished;
        }

        await _client.TerminateInstanceAsync(jobId, CancelReason, cancellationToken).ConfigureAwait(false);
        var children = new OrchestrationQuery
        {
            InstanceIdPrefix = jobId + ":",
            Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending],
        };
        await foreach (var child in _client.GetAllInstancesAsync(children).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await _client.TerminateInstanceAsync(child.InstanceId, CancelReason, cancellationToken).ConfigureAwait(false);
        }

        await StopGpuStageAsync(jobId, cancellationToken).ConfigureAwait(false);
        return CancelOutcome.Canceling;
    }

    /// <summary>Terminating the orchestration does not stop a GPU execution it started: a canceled job stops it here.</summary>
    private async Task StopGpuStageAsync(string jobId, CancellationToken cancellationToken)
    {
        var launch = _stages is null ? null : await _blobs.ReadAsync(JobBlobLayout.GpuLaunch(jobId), cancellationToken).ConfigureAwait(false);
        if (launch is not null && JobJson.Deserialize<GpuStageLaunchRecord>(launch).ExecutionName is { Length: > 0 } name)
        {
            await _stages!.StopAsync(new StageExecution(jobId, name), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a finished job again on the same id, doing only what failed: shards that failed as a whole, and
    /// the failed items of item shards. Everything that succeeded is kept, not recomputed; the manifest is
    /// rewritten at the end and counts how many redrives ran.
    /// </summary>
    public async Task<RedriveOutcome> RedriveAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var metadata = await _client.GetInstanceAsync(jobId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (metadata is null || !IsJob(metadata))
        {
            return RedriveOutcome.NotFound;
        }

        if (metadata.RuntimeStatus is not (OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed))
        {
            return RedriveOutcome.NotFinished;
        }

        var manifestBlob = await _blobs.ReadAsync(JobBlobLayout.Manifest(jobId), cancellationToken).ConfigureAwait(false);
        var manifest = manifestBlob is null ? null : JobJson.Deserialize<JobManifest>(manifestBlob);
        if (manifest is null || (manifest.FailedShards == 0 && (manifest.Items?.Failed ?? 0) == 0))
        {
            return RedriveOutcome.NothingToRedrive;
        }

        var input = metadata.ReadInputAs<JobInput>()!;
        var plan = manifest.Items is { } items ? new ItemPlanSummary(manifest.TotalShards, null, items.InputBytes) : null;
        var redrive = input with { Spec = input.Spec with { Shards = manifest.TotalShards }, Redrive = manifest.Redrives + 1, Plan = plan };
        await _client.ScheduleNewOrchestrationInstanceAsync(nameof(JobOrchestrator), redrive, new StartOrchestrationOptions(jobId), cancellationToken).ConfigureAwait(false);
        return RedriveOutcome.Redriving;
    }

    /// <summary>
    /// Whether <paramref name="secret"/> lets its holder report the end of the job's GPU stage: only the
    /// execution that was given it may, and only while the job runs.
    /// </summary>
    public async Task<StageCallbackOutcome> AuthorizeGpuStageCallbackAsync(string jobId, string? secret, CancellationToken cancellationToken = default)
    {
        var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return StageCallbackOutcome.NotFound;
        }

        var launch = await _blobs.ReadAsync(JobBlobLayout.GpuLaunch(jobId), cancellationToken).ConfigureAwait(false);
        if (launch is null)
        {
            return StageCallbackOutcome.NoStage;
        }

        if (string.IsNullOrEmpty(secret))
        {
            return StageCallbackOutcome.MissingSecret;
        }

        if (!StageSecrets.Matches(secret, JobJson.Deserialize<GpuStageLaunchRecord>(launch).SecretSha256))
        {
            return StageCallbackOutcome.WrongSecret;
        }

        return job.IsFinished ? StageCallbackOutcome.AlreadyFinished : StageCallbackOutcome.Authorized;
    }

    /// <summary>Hands an authorized report to the job's orchestration, as the event its GPU stage waits for.</summary>
    public Task RaiseGpuStageSignalAsync(string jobId, GpuStageSignal signal, CancellationToken cancellationToken = default) =>
        _client.RaiseEventAsync(jobId, GpuStageSignal.EventName, signal, cancellationToken);

    public Task<BinaryData?> ReadResultAsync(string jobId, CancellationToken cancellationToken = default) =>
        _blobs.ReadAsync(JobBlobLayout.Result(jobId), cancellationToken);

    private static bool IsJob(OrchestrationMetadata metadata) =>
        string.Equals(metadata.Name, nameof(JobOrchestrator), StringComparison.Ordinal);

    /// <summary>
    /// Like <see cref="SubmitAsync(string, ValidationErrors, CancellationToken)"/>, with the caller's job id, and
    /// idempotent (a redelivered blob event, a rescan): returns <paramref name="jobId"/> when this call started
    /// the job; null with errors when the spec is invalid; null without errors when an instance with that id
    /// exists already, whatever its status (it is never restarted).
    /// </summary>
    public async Task<string?> StartIfNewAsync(string json, string jobId, ValidationErrors errors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (await _client.GetInstanceAsync(jobId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false) is not null)
        {
            return null;
        }

        var spec = _parser.Parse(json, errors);
        if (spec is null)
        {
            return null;
        }

        // Dedupe on every status: without it a client may terminate and restart an existing instance with the same id.
        var options = new StartOrchestrationOptions(jobId).WithDedupeStatuses([.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses]);
        try
        {
            await _client.ScheduleNewOrchestrationInstanceAsync(
                nameof(JobOrchestrator),
                InputFor(spec),
                options,
                cancellationToken).ConfigureAwait(false);
            return jobId;
        }
        catch (Exception)
        {
            // Another host may have started it between the check and the schedule; the backend's exception type differs per host.
            if (await _client.GetInstanceAsync(jobId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false) is null)
            {
                throw;
            }

            return null;
        }
    }
}

public sealed record JobPage(IReadOnlyList<JobStatusView> Jobs, string? ContinuationToken);
