using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.DurableTask.Client;
using Serverless.Engine;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Api;

/// <summary>
/// What a user can do with jobs, on either host's <see cref="IJobEngine"/>. The HTTP API, the command line
/// and the retention timer all go through here; what concerns a job's ranges too is decided here once.
/// </summary>
public sealed class JobService
{
    public const string CancelReason = "Canceled by user.";
    private const string SuspendReason = "Suspended by user.";
    private const string ResumeReason = "Resumed by user.";

    /// <summary>How often, and how many times, a caller that lost the race to start a job looks for it started.</summary>
    private const int ClaimPolls = 40;
    private static readonly TimeSpan ClaimPollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A start claim this old whose job never started belongs to a starter that died: another may take it.</summary>
    private static readonly TimeSpan AbandonedClaimAge = TimeSpan.FromMinutes(1);

    private static readonly OrchestrationRuntimeStatus[] Live = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Suspended];

    private readonly IJobEngine _engine;
    private readonly IJobIndex _index;
    private readonly IBlobStore _blobs;
    private readonly JobSpecParser _parser;
    private readonly JobEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly IStageLauncher? _stages;

    /// <param name="stages">Stops a canceled job's GPU stage execution; null where no stage can run.</param>
    public JobService(IJobEngine engine, IJobIndex index, IBlobStore blobs, JobSpecParser parser, JobEngineOptions options, TimeProvider time, IStageLauncher? stages = null)
    {
        _engine = engine;
        _index = index;
        _blobs = blobs;
        _parser = parser;
        _options = options;
        _time = time;
        _stages = stages;
    }

    public JobEngineOptions Options => _options;

    /// <summary>Parses and validates the spec; starts the job only when it has no errors.</summary>
    public async Task<string?> SubmitAsync(string json, ValidationErrors errors, CancellationToken cancellationToken = default)
    {
        var spec = _parser.Parse(json, errors);
        return spec is null ? null : await StartAsync(spec, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> StartAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var jobId = Guid.NewGuid().ToString("N");
        // Indexed before it starts, so no running job is missing from the list.
        await _index.TryAddAsync(new JobIndexEntry(jobId, spec.Workload, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        await _engine.StartJobAsync(jobId, InputFor(spec), onlyIfNew: false, cancellationToken).ConfigureAwait(false);
        return jobId;
    }

    /// <summary>The orchestration input of a new job: its spec with the engine's settings for it.</summary>
    private JobInput InputFor(JobSpec spec) =>
        new(spec, _options.ShardsPerOrchestration, _parser.Workloads.Get(spec.Workload) is IGpuStageWorkload ? _options.GpuStage : null);

    /// <summary>The job's status, or null when no job has that id (sub-orchestrations are not jobs).</summary>
    public async Task<JobStatusView?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        return job?.CustomStatus is { RunningRanges.Count: > 0 } progress && !job.IsFinished
            ? job with { CustomStatus = await AddRangeProgressAsync(progress, cancellationToken).ConfigureAwait(false) }
            : job;
    }

    /// <summary>The job's own status, without asking its ranges for progress.</summary>
    private async Task<JobStatusView?> FindAsync(string jobId, CancellationToken cancellationToken)
    {
        var instance = await FindInstanceAsync(jobId, cancellationToken).ConfigureAwait(false);
        return instance is null ? null : JobStatusView.From(instance);
    }

    private async Task<EngineInstance?> FindInstanceAsync(string jobId, CancellationToken cancellationToken)
    {
        var instance = await _engine.GetAsync(jobId, cancellationToken).ConfigureAwait(false);
        return instance is not null && string.Equals(instance.Name, nameof(JobOrchestrator), StringComparison.Ordinal) ? instance : null;
    }

    /// <summary>
    /// A large job's own count only moves when a whole range finishes, so the ranges running now (which each
    /// orchestration names in its custom status, at most its window) are read by id, and theirs in turn. A
    /// finished shard is counted by exactly one orchestration (its range until that completes, then the
    /// parent), so the sum is the job's progress; the reads are bounded by what runs, not by the job's size.
    /// </summary>
    private async Task<JobProgress> AddRangeProgressAsync(JobProgress job, CancellationToken cancellationToken)
    {
        int completed = job.CompletedShards, failed = job.FailedShards;
        var running = new Queue<string>(job.RunningRanges ?? []);
        while (running.TryDequeue(out var id))
        {
            var range = await _engine.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (range?.Status == OrchestrationRuntimeStatus.Completed && range.ReadOutput<RangeSummary>() is { } summary)
            {
                // Finished since its parent's status was read: its parent does not count it yet.
                (completed, failed) = (completed + summary.Succeeded + summary.Failed, failed + summary.Failed);
            }
            else if (range is { IsFinished: false } && range.ReadCustomStatus<JobProgress>() is { } progress)
            {
                (completed, failed) = (completed + progress.CompletedShards, failed + progress.FailedShards);
                foreach (var child in progress.RunningRanges ?? [])
                {
                    running.Enqueue(child);
                }
            }
        }

        return job with { CompletedShards = Math.Min(completed, job.TotalShards), FailedShards = failed, RunningRanges = null };
    }

    /// <summary>
    /// One page of jobs, newest first, holding <see cref="JobListQuery.PageSize"/> jobs unless it is the last;
    /// only a page with more jobs after it has a continuation token.
    /// </summary>
    public async Task<JobPage> ListAsync(JobListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var jobs = new List<JobStatusView>(query.PageSize);
        string? lastPosition = null;
        var indexQuery = new JobIndexQuery(query.ContinuationToken, query.Workload, query.CreatedAfter, query.CreatedBefore);
        await foreach (var (entry, job) in IndexedJobsAsync(indexQuery, cancellationToken).ConfigureAwait(false))
        {
            if (query.Statuses.Count > 0 && !query.Statuses.Contains(Enum.Parse<OrchestrationRuntimeStatus>(job.RuntimeStatus)))
            {
                continue;
            }

            if (jobs.Count == query.PageSize)
            {
                // One match beyond the page: there is a next page, and it starts after this page's last job.
                return new JobPage(jobs, lastPosition);
            }

            jobs.Add(job);
            lastPosition = entry.Position;
        }

        return new JobPage(jobs, null);
    }

    /// <summary>The indexed jobs with their status; an entry whose start never reached the engine is skipped.</summary>
    private async IAsyncEnumerable<(JobIndexEntry Entry, JobStatusView Job)> IndexedJobsAsync(JobIndexQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in _index.ListAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (await FindAsync(entry.JobId, cancellationToken).ConfigureAwait(false) is { } job)
            {
                yield return (entry, job);
            }
        }
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

        await _engine.TerminateAsync(jobId, CancelReason, cancellationToken).ConfigureAwait(false);
        await foreach (var range in _engine.ListRangesAsync(jobId, Live, cancellationToken).ConfigureAwait(false))
        {
            await _engine.TerminateAsync(range.InstanceId, CancelReason, cancellationToken).ConfigureAwait(false);
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
    /// Suspends the job, then its ranges, level by level: a suspended orchestration starts nothing new, and
    /// calls already running finish and wait. Each level is listed only once the level above has stopped, so
    /// no range it started is missed.
    /// </summary>
    public async Task<PauseOutcome> SuspendAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await FindInstanceAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return PauseOutcome.NotFound;
        }

        if (job.Status is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending))
        {
            return PauseOutcome.WrongState;
        }

        // One pass per level of the range tree; each instance is asked once, so the passes end even on a host that applies nothing.
        var asked = new HashSet<string>(StringComparer.Ordinal);
        List<string> stopping = [jobId];
        while (stopping.Count > 0)
        {
            foreach (var id in stopping)
            {
                asked.Add(id);
                await _engine.SuspendAsync(id, SuspendReason, cancellationToken).ConfigureAwait(false);
            }

            await WaitUntilStoppedAsync(stopping, cancellationToken).ConfigureAwait(false);
            stopping = [];
            await foreach (var range in _engine.ListRangesAsync(jobId, [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending], cancellationToken).ConfigureAwait(false))
            {
                if (!asked.Contains(range.InstanceId))
                {
                    stopping.Add(range.InstanceId);
                }
            }
        }

        return PauseOutcome.Accepted;
    }

    /// <summary>Resumes the job's suspended ranges and the job itself.</summary>
    public async Task<PauseOutcome> ResumeAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await FindInstanceAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return PauseOutcome.NotFound;
        }

        if (job.Status != OrchestrationRuntimeStatus.Suspended)
        {
            return PauseOutcome.WrongState;
        }

        await foreach (var range in _engine.ListRangesAsync(jobId, [OrchestrationRuntimeStatus.Suspended], cancellationToken).ConfigureAwait(false))
        {
            await _engine.ResumeAsync(range.InstanceId, ResumeReason, cancellationToken).ConfigureAwait(false);
        }

        await _engine.ResumeAsync(jobId, ResumeReason, cancellationToken).ConfigureAwait(false);
        return PauseOutcome.Accepted;
    }

    /// <summary>
    /// The engine applies a suspension when the instance's next work item runs; until then it may still start
    /// ranges. Waits (up to half a minute in all, polling) until none of <paramref name="instanceIds"/> is
    /// running or pending.
    /// </summary>
    private async Task WaitUntilStoppedAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow().AddSeconds(30);
        foreach (var id in instanceIds)
        {
            while (await _engine.GetAsync(id, cancellationToken).ConfigureAwait(false) is { Status: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending } && _time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Removes a finished job's history, its ranges' history and its index entry; with
    /// <paramref name="blobs"/> also everything under <c>results/{jobId}/</c>.
    /// </summary>
    public async Task<PurgeReport> PurgeAsync(string jobId, bool blobs, CancellationToken cancellationToken = default)
    {
        var job = await FindInstanceAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return new PurgeReport(jobId, PurgeOutcome.NotFound);
        }

        var ranges = new List<EngineInstance>();
        await foreach (var range in _engine.ListRangesAsync(jobId, [], cancellationToken).ConfigureAwait(false))
        {
            ranges.Add(range);
        }

        if (!job.IsFinished || ranges.Any(range => !range.IsFinished))
        {
            return new PurgeReport(jobId, PurgeOutcome.StillRunning);
        }

        var instances = 0;
        foreach (var range in ranges)
        {
            instances += await _engine.PurgeAsync(range.InstanceId, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        // The job goes last: while it exists, a purge that failed half-way can be asked for again.
        instances += await _engine.PurgeAsync(jobId, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        await _index.RemoveAsync(jobId, cancellationToken).ConfigureAwait(false);
        var deleted = blobs ? await DeleteResultsAsync(jobId, cancellationToken).ConfigureAwait(false) : 0;
        return new PurgeReport(jobId, PurgeOutcome.Purged, instances, deleted);
    }

    private async Task<int> DeleteResultsAsync(string jobId, CancellationToken cancellationToken)
    {
        var paths = new List<string>();
        await foreach (var blob in _blobs.ListAsync(JobBlobLayout.Folder(jobId), cancellationToken).ConfigureAwait(false))
        {
            paths.Add(blob.Path);
        }

        var deleted = 0;
        foreach (var path in paths)
        {
            deleted += await _blobs.DeleteAsync(path, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return deleted;
    }

    /// <summary>
    /// Purges every finished job created before <paramref name="createdBefore"/> whose status is one of
    /// <paramref name="statuses"/> (any finished status when empty). Jobs still running are left alone.
    /// </summary>
    public async Task<IReadOnlyList<PurgeReport>> PurgeOlderThanAsync(DateTimeOffset createdBefore, IReadOnlyCollection<OrchestrationRuntimeStatus> statuses, bool blobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var wanted = statuses.Count == 0 ? StatusList.Finished : statuses;
        var old = new List<string>();
        await foreach (var (entry, job) in IndexedJobsAsync(new JobIndexQuery(CreatedBefore: createdBefore), cancellationToken).ConfigureAwait(false))
        {
            if (job.IsFinished && wanted.Contains(Enum.Parse<OrchestrationRuntimeStatus>(job.RuntimeStatus)))
            {
                old.Add(entry.JobId);
            }
        }

        var reports = new List<PurgeReport>(old.Count);
        foreach (var jobId in old)
        {
            reports.Add(await PurgeAsync(jobId, blobs, cancellationToken).ConfigureAwait(false));
        }

        return reports;
    }

    /// <summary>The retention policy (host.json <c>serverless:retentionDays</c>): finished jobs past it go, with their results.</summary>
    public Task<IReadOnlyList<PurgeReport>> PurgeExpiredAsync(CancellationToken cancellationToken = default) =>
        _options.RetentionDays == 0
            ? Task.FromResult<IReadOnlyList<PurgeReport>>([])
            : PurgeOlderThanAsync(_time.GetUtcNow().AddDays(-_options.RetentionDays), [], blobs: true, cancellationToken);

    /// <summary>
    /// Runs a finished job again on the same id, doing only what failed: shards that failed as a whole, and
    /// the failed items of item shards. Everything that succeeded is kept, not recomputed; the manifest is
    /// rewritten at the end and counts how many redrives ran.
    /// </summary>
    public async Task<RedriveOutcome> RedriveAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await FindInstanceAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return RedriveOutcome.NotFound;
        }

        if (job.Status is not (OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed))
        {
            return RedriveOutcome.NotFinished;
        }

        var manifestBlob = await _blobs.ReadAsync(JobBlobLayout.Manifest(jobId), cancellationToken).ConfigureAwait(false);
        var manifest = manifestBlob is null ? null : JobJson.Deserialize<JobManifest>(manifestBlob);
        if (manifest is null || (manifest.FailedShards == 0 && (manifest.Items?.Failed ?? 0) == 0))
        {
            return RedriveOutcome.NothingToRedrive;
        }

        var input = job.ReadInput<JobInput>()!;
        var plan = manifest.Items is { } items ? new ItemPlanSummary(manifest.TotalShards, null, items.InputBytes) : null;
        var redrive = input with { Spec = input.Spec with { Shards = manifest.TotalShards }, Redrive = manifest.Redrives + 1, Plan = plan };
        await _engine.StartJobAsync(jobId, redrive, onlyIfNew: false, cancellationToken).ConfigureAwait(false);
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
        _engine.RaiseEventAsync(jobId, GpuStageSignal.EventName, signal, cancellationToken);

    public Task<BinaryData?> ReadResultAsync(string jobId, CancellationToken cancellationToken = default) =>
        _blobs.ReadAsync(JobBlobLayout.Result(jobId), cancellationToken);

    /// <summary>The workloads this host runs, each with its spec fields and parameters as a form needs them.</summary>
    public IReadOnlyList<WorkloadDescription> DescribeWorkloads() =>
    [
        .. _parser.Workloads.Names.Select(_parser.Workloads.Get).Select(workload => new WorkloadDescription(
            workload.Name,
            workload.Description,
            workload is IItemWorkload ? "items" : "shards",
            workload is IGpuStageWorkload,
            _parser.DescribeSpec(workload),
            workload.DescribeParameters())),
    ];

    /// <summary>
    /// A page of the job's finished activity calls, running or done, or null when no job has that id. One
    /// listing request of the call blobs' metadata a page, so the cost of a page does not grow with the job.
    /// </summary>
    public async Task<ShardCallPage?> ListCallsAsync(string jobId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        if (!await ExistsAsync(jobId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var page = await _blobs.ListPageAsync(JobBlobLayout.ShardsFolder(jobId), pageSize, continuationToken, cancellationToken).ConfigureAwait(false);
        return new ShardCallPage(jobId, [.. page.Blobs.Select(CallMetadata.Read).OfType<ShardCall>()], page.ContinuationToken);
    }

    /// <summary>Whether a job (not a range) has that id.</summary>
    public async Task<bool> ExistsAsync(string jobId, CancellationToken cancellationToken = default) =>
        await FindInstanceAsync(jobId, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// A file in the job's folder (its manifest, an image, an items file), or null when it does not exist.
    /// <paramref name="name"/> must be a relative path of plain segments: no way out of the folder.
    /// </summary>
    public async Task<JobFile?> ReadFileAsync(string jobId, string name, CancellationToken cancellationToken = default)
    {
        if (!JobFileNames.IsSafe(name))
        {
            return null;
        }

        var path = JobBlobLayout.Artifact(jobId, name);
        return await _blobs.ReadAsync(path, cancellationToken).ConfigureAwait(false) is { } content ? new JobFile(content, ContentTypes.Of(path)) : null;
    }

    /// <summary>
    /// Like <see cref="SubmitAsync(string, ValidationErrors, CancellationToken)"/>, with the caller's job id, and
    /// idempotent (a redelivered blob event, a rescan): returns <paramref name="jobId"/> when this call started
    /// the job; null with errors when the spec is invalid; null without errors when an instance with that id
    /// exists already, whatever its status (it is never restarted).
    /// </summary>
    public async Task<string?> StartIfNewAsync(string json, string jobId, ValidationErrors errors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (await _engine.GetAsync(jobId, cancellationToken).ConfigureAwait(false) is not null)
        {
            return null;
        }

        var spec = _parser.Parse(json, errors);
        if (spec is null)
        {
            return null;
        }

        // The engine lets two racing starts of one id both through, so the index entry, added atomically, is the
        // claim: of callers racing here, one starts the job and the others wait to see it started.
        var claimed = await _index.TryAddAsync(new JobIndexEntry(jobId, spec.Workload, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false)
            || await _index.TryReclaimAsync(jobId, _time.GetUtcNow() - AbandonedClaimAge, cancellationToken).ConfigureAwait(false);
        if (!claimed)
        {
            await WaitForStartElsewhereAsync(jobId, cancellationToken).ConfigureAwait(false);
            return null;
        }

        try
        {
            await _engine.StartJobAsync(jobId, InputFor(spec), onlyIfNew: true, cancellationToken).ConfigureAwait(false);
            return jobId;
        }
        catch (Exception)
        {
            if (await _engine.GetAsync(jobId, cancellationToken).ConfigureAwait(false) is not null)
            {
                return null;
            }

            // Nothing started: let the caller's retry claim it again at once.
            await _index.RemoveAsync(jobId, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Another caller holds the claim: it normally starts the job within a second. One that has not after
    /// <see cref="ClaimPolls"/> looks may have died; failing tells the trigger to deliver again, and a delivery after
    /// <see cref="AbandonedClaimAge"/> takes the claim over.
    /// </summary>
    private async Task WaitForStartElsewhereAsync(string jobId, CancellationToken cancellationToken)
    {
        if (await ClaimWait.ForAsync(() => _engine.GetAsync(jobId, cancellationToken), ClaimPolls, ClaimPollInterval, _time, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Job '{jobId}' was claimed by another start that has not started it within {(ClaimPolls * ClaimPollInterval).TotalSeconds:0} s; deliver again to retry (the claim is taken over after {AbandonedClaimAge.TotalSeconds:0} s)."));
        }
    }
}

public sealed record JobPage(IReadOnlyList<JobStatusView> Jobs, string? ContinuationToken);

/// <summary>A page request of the job list: after the token, only jobs in <see cref="Statuses"/> (any when empty), of one workload, created in a time window.</summary>
public sealed record JobListQuery(int PageSize, string? ContinuationToken = null, IReadOnlyCollection<OrchestrationRuntimeStatus>? StatusFilter = null, string? Workload = null, DateTimeOffset? CreatedAfter = null, DateTimeOffset? CreatedBefore = null)
{
    public IReadOnlyCollection<OrchestrationRuntimeStatus> Statuses => StatusFilter ?? [];
}
