using System.Runtime.CompilerServices;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Serverless.Orchestration;

namespace Serverless.Engine;

/// <summary>The job engine over a <see cref="DurableTaskClient"/>: the Functions app's <c>[DurableClient]</c> binding.</summary>
public sealed class DurableClientEngine : IJobEngine
{
    private readonly DurableTaskClient _client;

    public DurableClientEngine(DurableTaskClient client)
    {
        _client = client;
    }

    public Task StartJobAsync(string jobId, JobInput input, bool onlyIfNew, CancellationToken cancellationToken = default)
    {
        var options = new StartOrchestrationOptions(jobId);
        // Every status is a duplicate: otherwise a client may terminate a live instance and start it afresh.
        options = onlyIfNew ? options.WithDedupeStatuses([.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses]) : options;
        return _client.ScheduleNewOrchestrationInstanceAsync(nameof(JobOrchestrator), input, options, cancellationToken);
    }

    public async Task<EngineInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var metadata = await _client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        return metadata is null ? null : ToInstance(metadata);
    }

    public async IAsyncEnumerable<EngineInstance> ListRangesAsync(string jobId, IReadOnlyCollection<OrchestrationRuntimeStatus> statuses, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = new OrchestrationQuery { InstanceIdPrefix = ShardRanges.RangeIdPrefix(jobId), Statuses = statuses.Count == 0 ? null : statuses, FetchInputsAndOutputs = true };
        await foreach (var metadata in _client.GetAllInstancesAsync(query).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return ToInstance(metadata);
        }
    }

    public Task RaiseEventAsync(string instanceId, string eventName, object payload, CancellationToken cancellationToken = default) =>
        _client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);

    public Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default) =>
        _client.TerminateInstanceAsync(instanceId, reason, cancellationToken);

    public Task SuspendAsync(string instanceId, string reason, CancellationToken cancellationToken = default) =>
        _client.SuspendInstanceAsync(instanceId, reason, cancellationToken);

    public Task ResumeAsync(string instanceId, string reason, CancellationToken cancellationToken = default) =>
        _client.ResumeInstanceAsync(instanceId, reason, cancellationToken);

    public async Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await _client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken).ConfigureAwait(false)).PurgedInstanceCount > 0;

    private static EngineInstance ToInstance(OrchestrationMetadata metadata) => new(
        metadata.InstanceId,
        metadata.Name,
        metadata.RuntimeStatus,
        metadata.CreatedAt,
        metadata.LastUpdatedAt,
        metadata.SerializedInput,
        metadata.SerializedOutput,
        metadata.SerializedCustomStatus,
        metadata.FailureDetails?.ErrorMessage,
        metadata.DataConverter ?? JsonDataConverter.Default);
}
