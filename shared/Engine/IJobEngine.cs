using Microsoft.DurableTask.Client;
using Serverless.Orchestration;

namespace Serverless.Engine;

/// <summary>
/// What the product asks of a durable engine, one instance at a time. Two adapters: the Functions app's
/// <see cref="DurableTaskClient"/> binding (<see cref="DurableClientEngine"/>) and the local host's Durable
/// Task engine client. What spans a job and its ranges (cancel, suspend, purge) is decided once, in
/// <see cref="Api.JobService"/>, on top of these.
/// </summary>
public interface IJobEngine
{
    /// <summary>
    /// Starts the job orchestration under <paramref name="jobId"/>. With <paramref name="onlyIfNew"/> an
    /// instance that exists already, whatever its status, is left alone (the engine refuses the start);
    /// without it a finished instance is started again (redrive).
    /// </summary>
    Task StartJobAsync(string jobId, JobInput input, bool onlyIfNew, CancellationToken cancellationToken = default);

    /// <summary>The instance's state with its input, output and custom status; null when there is none.</summary>
    Task<EngineInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>The range orchestrations of a job (ids <c>{jobId}:...</c>) in <paramref name="statuses"/>, or in any status when empty.</summary>
    IAsyncEnumerable<EngineInstance> ListRangesAsync(string jobId, IReadOnlyCollection<OrchestrationRuntimeStatus> statuses, CancellationToken cancellationToken = default);

    Task RaiseEventAsync(string instanceId, string eventName, object payload, CancellationToken cancellationToken = default);

    Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default);

    Task SuspendAsync(string instanceId, string reason, CancellationToken cancellationToken = default);

    Task ResumeAsync(string instanceId, string reason, CancellationToken cancellationToken = default);

    /// <summary>Deletes a finished instance's history and state; false when there was nothing to delete.</summary>
    Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default);
}
