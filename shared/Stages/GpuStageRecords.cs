using System.Text.Json;

namespace Serverless.Stages;

/// <summary>How long a GPU stage may run, and how often the orchestrator asks the launcher when no callback came.</summary>
public sealed record GpuStageSettings(double PollIntervalSeconds, double TimeoutSeconds);

/// <summary><c>results/{jobId}/gpu/input.json</c>: which kernel the stage program runs, with what.</summary>
public sealed record StageInput(string Kernel, JsonElement Parameters);

/// <summary>
/// <c>results/{jobId}/gpu/metrics.json</c>, written by the stage program: the accelerator it ran on, the
/// kernel's time alone, the whole run's time, and the bytes it read and wrote.
/// </summary>
public sealed record StageMetrics(string Accelerator, string AcceleratorType, double KernelMilliseconds, double TotalMilliseconds, long BytesIn, long BytesOut);

/// <summary>
/// <c>results/{jobId}/gpu/launch.json</c>: the execution started for the job and the SHA-256 of its callback
/// secret (the secret itself is given only to the execution).
/// </summary>
public sealed record GpuStageLaunchRecord(string ExecutionName, string SecretSha256, DateTimeOffset StartedAt);

/// <summary>What a stage execution reports through the callback route (and the orchestrator's event payload).</summary>
public sealed record GpuStageSignal(bool Succeeded, string? Error)
{
    public const string EventName = "GpuStageCompleted";
}

/// <summary>The body a stage program posts to the callback route.</summary>
public sealed record GpuStageCallback(string? Status, string? Error);

public sealed record StartGpuStageInput(string JobId, string Workload, IReadOnlyDictionary<string, JsonElement> Parameters);

public sealed record CheckGpuStageOutputInput(string JobId, string Workload, IReadOnlyDictionary<string, JsonElement> Parameters);

/// <summary>Null <paramref name="Problem"/> when the stage's output is usable.</summary>
public sealed record GpuStageOutputCheck(string? Problem);
