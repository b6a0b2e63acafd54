using System.Collections.Concurrent;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.Tests.TestSupport;

/// <summary>What a fake execution writes when it starts.</summary>
public enum FakeStageOutput
{
    /// <summary>Nothing, like a stage program that crashed before writing.</summary>
    None,

    /// <summary>The right escape counts for the job's view (from its gpu/input.json), and metrics.</summary>
    Good,

    /// <summary>The right counts less the last one: a blob of the wrong size.</summary>
    Truncated,
}

/// <summary>
/// How a job's fake execution behaves: what it writes on start, and what status polls answer (the n-th poll gets
/// <see cref="Statuses"/>[n], the last one repeating; none means Running forever).
/// </summary>
public sealed record FakeStageScript(FakeStageOutput Output, params StageExecutionStatus[] Statuses);

/// <summary>
/// An <see cref="IStageLauncher"/> scripted per job, standing in for the GPU stage program: it records every launch
/// (with the launch record as it stood at start), every poll and every stop.
/// </summary>
public sealed class FakeStageLauncher : IStageLauncher
{
    public const string Accelerator = "Fake GPU";
    private readonly IBlobStore _blobs;
    private readonly ConcurrentDictionary<string, FakeStageScript> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _polls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StageLaunch>> _started = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BinaryData?> _recordsAtStart = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StageLaunch> _launches = new();
    private readonly ConcurrentQueue<StageExecution> _stops = new();
    private readonly ConcurrentDictionary<string, StageExecution> _executions = new(StringComparer.Ordinal);
    private int _starts;

    public FakeStageLauncher(IBlobStore blobs)
    {
        _blobs = blobs;
    }

    public IReadOnlyList<StageLaunch> Launches => [.. _launches];

    /// <summary>Starts go through, then their answer is lost (a timeout), as when a host dies mid-call.</summary>
    public bool LoseStartAnswers { get; set; }

    public IReadOnlyList<StageExecution> Stops => [.. _stops];

    /// <summary>While set and not completed, starts wait for it, as a slow ARM answer would keep them.</summary>
    public Task? HoldStarts { get; set; }

    public static StageMetrics Metrics(MandelbrotView view) =>
        new(Accelerator, "Fake", 12.5, 40.25, 0, EscapeCounts.Length(view));

    public void Script(string jobId, FakeStageScript script) => _scripts[jobId] = script;

    public int Polls(string jobId) => _polls.TryGetValue(jobId, out var polls) ? polls : 0;

    /// <summary>gpu/launch.json as it was when the launcher was asked to start the job's execution.</summary>
    public BinaryData? LaunchRecordAtStart(string jobId) => _recordsAtStart.TryGetValue(jobId, out var record) ? record : null;

    /// <summary>Completes once the job's execution has been started.</summary>
    public Task<StageLaunch> StartedAsync(string jobId) => Started(jobId).Task;

    public async Task<StageExecution> StartAsync(StageLaunch launch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var jobId = launch.JobId;
        if (HoldStarts is { } hold)
        {
            await hold.WaitAsync(cancellationToken);
        }

        _recordsAtStart[jobId] = await _blobs.ReadAsync(JobBlobLayout.GpuLaunch(jobId), cancellationToken);
        var script = _scripts.GetValueOrDefault(jobId) ?? new FakeStageScript(FakeStageOutput.None);
        if (script.Output != FakeStageOutput.None)
        {
            var input = JobJson.Deserialize<StageInput>((await _blobs.ReadAsync(launch.InputBlob, cancellationToken))!);
            var view = JobJson.Deserialize<MandelbrotView>(BinaryData.FromString(input.Parameters.GetRawText()));
            var blob = MandelbrotReference.Blob(view, MandelbrotReference.Counts(view));
            var length = script.Output == FakeStageOutput.Truncated ? blob.Length - 4 : blob.Length;
            await _blobs.WriteAsync(launch.OutputBlob, BinaryData.FromBytes(blob.AsMemory(0, length)), cancellationToken);
            await _blobs.WriteAsync(launch.MetricsBlob, JobJson.Serialize(Metrics(view)), cancellationToken);
        }

        _launches.Enqueue(launch);
        Started(jobId).TrySetResult(launch);
        var execution = new StageExecution(jobId, $"fake-{Interlocked.Increment(ref _starts)}");
        _executions[jobId] = execution;
        return LoseStartAnswers ? throw new TimeoutException($"The answer to the start of {execution.Name} was lost.") : execution;
    }

    /// <summary>The job's latest execution, as a launcher that lists its executions would find it.</summary>
    public Task<StageExecution?> FindAsync(string jobId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_executions.TryGetValue(jobId, out var execution) ? execution : null);

    public Task<StageExecutionStatus> GetStatusAsync(StageExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        var poll = _polls.AddOrUpdate(execution.JobId, 1, (_, polls) => polls + 1) - 1;
        var statuses = _scripts.GetValueOrDefault(execution.JobId)?.Statuses ?? [];
        return Task.FromResult(statuses.Length == 0 ? new StageExecutionStatus(StageState.Running) : statuses[Math.Min(poll, statuses.Length - 1)]);
    }

    public Task StopAsync(StageExecution execution, CancellationToken cancellationToken = default)
    {
        _stops.Enqueue(execution);
        return Task.CompletedTask;
    }

    private TaskCompletionSource<StageLaunch> Started(string jobId) =>
        _started.GetOrAdd(jobId, _ => new TaskCompletionSource<StageLaunch>(TaskCreationOptions.RunContinuationsAsynchronously));
}
