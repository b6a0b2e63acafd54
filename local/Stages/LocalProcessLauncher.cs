using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Storage;

namespace Serverless.Local.Stages;

/// <summary>The program a local stage execution runs; by default the stage program built beside this host.</summary>
public sealed record LocalStageCommand(string FileName, IReadOnlyList<string> Arguments)
{
    public static LocalStageCommand Default { get; } = new("dotnet", [Path.Combine(AppContext.BaseDirectory, "Serverless.GpuStage.dll")]);
}

/// <summary>How a local execution ended: <c>results/{jobId}/gpu/exit.json</c>, so a restarted host still knows.</summary>
public sealed record LocalStageExit(string ExecutionName, int ExitCode, DateTimeOffset EndedAt);

/// <summary>
/// Runs a stage execution as a child process with the environment a Container Apps Job execution gets (plus
/// the local connection string). Its stdout and stderr become the log blob, then its exit code is recorded;
/// only after both does the execution count as ended, so a failed job always has its log.
/// </summary>
public sealed class LocalProcessLauncher : IStageLauncher, IAsyncDisposable
{
    private readonly IBlobStore _blobs;
    private readonly string _connectionString;
    private readonly LocalStageCommand _command;
    private readonly ConcurrentDictionary<string, Execution> _executions = new(StringComparer.Ordinal);
    private readonly Lock _starting = new();

    public LocalProcessLauncher(IBlobStore blobs, string connectionString, LocalStageCommand command)
    {
        _blobs = blobs;
        _connectionString = connectionString;
        _command = command;
    }

    public static string ExitBlob(string jobId) => $"{JobBlobLayout.GpuFolder(jobId)}exit.json";

    /// <summary>Starts the job's process, or returns the one this host already started for the job: a launch runs at most once.</summary>
    public Task<StageExecution> StartAsync(StageLaunch launch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);

        // Held from the check to the record, so two launches of one job at the same moment still start one process.
        lock (_starting)
        {
            return Task.FromResult(Started(launch.JobId) ?? StartProcess(launch));
        }
    }

    public async Task<StageExecution?> FindAsync(string jobId, CancellationToken cancellationToken = default)
    {
        if (Started(jobId) is { } started)
        {
            return started;
        }

        // Started by an earlier run of this host and ended: its exit record names it.
        var record = await _blobs.ReadAsync(ExitBlob(jobId), cancellationToken).ConfigureAwait(false);
        return record is null ? null : new StageExecution(jobId, JobJson.Deserialize<LocalStageExit>(record).ExecutionName);
    }

    public async Task<StageExecutionStatus> GetStatusAsync(StageExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        if (_executions.TryGetValue(execution.Name, out var running) && !running.Ended.IsCompleted)
        {
            return new StageExecutionStatus(StageState.Running);
        }

        var record = await _blobs.ReadAsync(ExitBlob(execution.JobId), cancellationToken).ConfigureAwait(false);
        if (record is null || JobJson.Deserialize<LocalStageExit>(record) is not { } exit || exit.ExecutionName != execution.Name)
        {
            return new StageExecutionStatus(StageState.Failed, $"No local process '{execution.Name}' is running and it left no exit record (was the local host restarted while it ran?).");
        }

        return exit.ExitCode == 0
            ? new StageExecutionStatus(StageState.Succeeded)
            : new StageExecutionStatus(StageState.Failed, $"The stage process exited with code {exit.ExitCode}.");
    }

    public Task StopAsync(StageExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        if (_executions.TryGetValue(execution.Name, out var running) && !running.Ended.IsCompleted)
        {
            running.Process.Kill(entireProcessTree: true);
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var execution in _executions.Values)
        {
            if (!execution.Process.HasExited)
            {
                execution.Process.Kill(entireProcessTree: true);
            }

            await execution.Ended.ConfigureAwait(false);
            execution.Process.Dispose();
        }
    }

    private StageExecution? Started(string jobId) =>
        _executions.FirstOrDefault(e => e.Value.JobId == jobId) is { Key: { } name } ? new StageExecution(jobId, name) : null;

    private StageExecution StartProcess(StageLaunch launch)
    {
        var start = new ProcessStartInfo(_command.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in _command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (variable, value) in StageEnvironment.For(launch))
        {
            start.Environment[variable] = value;
        }

        start.Environment["AzureWebJobsStorage"] = _connectionString;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new StageLaunchException($"Could not start the stage program '{_command.FileName}': {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var name = string.Create(CultureInfo.InvariantCulture, $"local-{process.Id}-{launch.JobId}");
        _executions[name] = new Execution(launch.JobId, process, RecordEndAsync(launch, name, process, log));
        return new StageExecution(launch.JobId, name);
    }

    private async Task RecordEndAsync(StageLaunch launch, string name, Process process, StringBuilder log)
    {
        await process.WaitForExitAsync().ConfigureAwait(false);
        string text;
        lock (log)
        {
            text = log.Append(CultureInfo.InvariantCulture, $"[{name} exited with code {process.ExitCode}]").AppendLine().ToString();
        }

        await _blobs.WriteAsync(launch.LogBlob, BinaryData.FromString(text)).ConfigureAwait(false);
        await _blobs.WriteAsync(ExitBlob(launch.JobId), JobJson.Serialize(new LocalStageExit(name, process.ExitCode, DateTimeOffset.UtcNow))).ConfigureAwait(false);
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private sealed record Execution(string JobId, Process Process, Task Ended);
}
