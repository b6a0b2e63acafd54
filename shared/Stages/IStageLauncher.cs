namespace Serverless.Stages;

/// <summary>
/// Starts, watches and stops one execution of the GPU stage program: an Azure Container Apps Job execution
/// in Azure, a child process locally. Implementations throw <see cref="StageLaunchException"/> with a reason a
/// user can act on.
/// </summary>
public interface IStageLauncher
{
    Task<StageExecution> StartAsync(StageLaunch launch, CancellationToken cancellationToken = default);

    /// <summary>
    /// The execution already started for the job's stage, or null when there is none: how a rerun of the launch finds
    /// an execution whose start it never heard back from, instead of starting a second one.
    /// </summary>
    Task<StageExecution?> FindAsync(string jobId, CancellationToken cancellationToken = default);

    Task<StageExecutionStatus> GetStatusAsync(StageExecution execution, CancellationToken cancellationToken = default);

    /// <summary>Stops the execution if it still runs; stopping a finished or unknown one is not an error.</summary>
    Task StopAsync(StageExecution execution, CancellationToken cancellationToken = default);
}

/// <summary>What one execution needs: its job, its blobs, and where and how to report completion.</summary>
public sealed record StageLaunch(
    string JobId,
    string InputBlob,
    string OutputBlob,
    string MetricsBlob,
    string LogBlob,
    Uri? CallbackUrl,
    string CallbackSecret);

/// <summary>A started execution: the launcher's name for it (an ARM execution name, a local process id).</summary>
public sealed record StageExecution(string JobId, string Name);

public enum StageState
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>Where an execution stands; <paramref name="Detail"/> says why it failed.</summary>
public sealed record StageExecutionStatus(StageState State, string? Detail = null);

/// <summary>A launcher could not start, query or stop an execution; the message says why and what to check.</summary>
public sealed class StageLaunchException : Exception
{
    public StageLaunchException()
    {
    }

    public StageLaunchException(string message)
        : base(message)
    {
    }

    public StageLaunchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
