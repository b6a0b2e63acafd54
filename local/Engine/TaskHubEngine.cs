using System.Runtime.CompilerServices;
using DurableTask.Core;
using DurableTask.Core.Query;
using CoreOrchestrationQuery = DurableTask.Core.Query.OrchestrationQuery;
using Microsoft.DurableTask.Client;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Orchestration;
using CoreDataConverter = DurableTask.Core.Serializing.DataConverter;
using SdkDataConverter = Microsoft.DurableTask.DataConverter;

namespace Serverless.Local.Engine;

/// <summary>
/// The job engine over the Durable Task engine's own client (<see cref="TaskHubClient"/>) and the Azure
/// Storage provider's query and purge interfaces: the local host's side of <see cref="IJobEngine"/>.
/// </summary>
internal sealed class TaskHubEngine : IJobEngine
{
    // A start refused for any existing instance: the provider checks these against the instance's status.
    private static readonly OrchestrationStatus[] AnyStatus = Enum.GetValues<OrchestrationStatus>();

    private readonly TaskHubClient _client;
    private readonly IOrchestrationServiceQueryClient _query;
    private readonly IOrchestrationServicePurgeClient _purge;
    private readonly SdkDataConverter _converter;

    public TaskHubEngine(IOrchestrationServiceClient service, SdkDataConverter converter)
    {
        _client = new TaskHubClient(service, new SdkConverterBridge(converter), loggerFactory: null);
        _query = (IOrchestrationServiceQueryClient)service;
        _purge = (IOrchestrationServicePurgeClient)service;
        _converter = converter;
    }

    public Task StartJobAsync(string jobId, JobInput input, bool onlyIfNew, CancellationToken cancellationToken = default) =>
        _client.CreateOrchestrationInstanceAsync(nameof(JobOrchestrator), string.Empty, jobId, input, tags: null, onlyIfNew ? AnyStatus : null);

    public async Task<EngineInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var state = await _client.GetOrchestrationStateAsync(instanceId).ConfigureAwait(false);
        return state is null ? null : ToInstance(state);
    }

    public async IAsyncEnumerable<EngineInstance> ListRangesAsync(string jobId, IReadOnlyCollection<OrchestrationRuntimeStatus> statuses, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = new CoreOrchestrationQuery
        {
            InstanceIdPrefix = ShardRanges.RangeIdPrefix(jobId),
            RuntimeStatus = statuses.Count == 0 ? null : [.. statuses.Select(ToCore)],
            FetchInputsAndOutputs = true,
        };
        do
        {
            var page = await _query.GetOrchestrationWithQueryAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var state in page.OrchestrationState)
            {
                yield return ToInstance(state);
            }

            query.ContinuationToken = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(query.ContinuationToken));
    }

    public Task RaiseEventAsync(string instanceId, string eventName, object payload, CancellationToken cancellationToken = default) =>
        _client.RaiseEventAsync(Instance(instanceId), eventName, payload);

    public Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default) =>
        _client.TerminateInstanceAsync(Instance(instanceId), reason);

    public Task SuspendAsync(string instanceId, string reason, CancellationToken cancellationToken = default) =>
        _client.SuspendInstanceAsync(Instance(instanceId), reason);

    public Task ResumeAsync(string instanceId, string reason, CancellationToken cancellationToken = default) =>
        _client.ResumeInstanceAsync(Instance(instanceId), reason);

    public async Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await _purge.PurgeInstanceStateAsync(instanceId).ConfigureAwait(false)).DeletedInstanceCount > 0;

    private static OrchestrationInstance Instance(string instanceId) => new() { InstanceId = instanceId };

    private EngineInstance ToInstance(OrchestrationState state) => new(
        state.OrchestrationInstance.InstanceId,
        state.Name,
        FromCore(state.OrchestrationStatus),
        AsUtc(state.CreatedTime),
        AsUtc(state.LastUpdatedTime),
        state.Input,
        state.Output,
        state.Status,
        state.OrchestrationStatus == OrchestrationStatus.Failed ? FailureMessage(state) : null,
        _converter);

    /// <summary>
    /// The provider keeps no failure details column: a failed instance's output holds "{error type}: {message}".
    /// The message is what users need; the type name is dropped.
    /// </summary>
    private static string? FailureMessage(OrchestrationState state)
    {
        if (state.FailureDetails is { } details)
        {
            return details.ErrorMessage;
        }

        var output = state.Output ?? string.Empty;
        var colon = output.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && !output.AsSpan(0, colon).ContainsAny(" \n\"{[") ? output[(colon + 2)..] : output;
    }

    private static DateTimeOffset AsUtc(DateTime time) => new(DateTime.SpecifyKind(time.ToUniversalTime(), DateTimeKind.Utc));

    private static OrchestrationRuntimeStatus FromCore(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Running => OrchestrationRuntimeStatus.Running,
        OrchestrationStatus.Completed => OrchestrationRuntimeStatus.Completed,
        OrchestrationStatus.Failed => OrchestrationRuntimeStatus.Failed,
        OrchestrationStatus.Terminated or OrchestrationStatus.Canceled => OrchestrationRuntimeStatus.Terminated,
        OrchestrationStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
        _ => OrchestrationRuntimeStatus.Pending,
    };

    private static OrchestrationStatus ToCore(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Running => OrchestrationStatus.Running,
        OrchestrationRuntimeStatus.Completed => OrchestrationStatus.Completed,
        OrchestrationRuntimeStatus.Failed => OrchestrationStatus.Failed,
        OrchestrationRuntimeStatus.Terminated => OrchestrationStatus.Terminated,
        OrchestrationRuntimeStatus.Suspended => OrchestrationStatus.Suspended,
        OrchestrationRuntimeStatus.Pending => OrchestrationStatus.Pending,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "The job engine does not use this status."),
    };

    /// <summary>
    /// The engine's client serializes inputs and event payloads with its own converter; the orchestrations
    /// read them through the SDK's shims with the SDK's converter, so the client must write the SDK's JSON.
    /// </summary>
    private sealed class SdkConverterBridge : CoreDataConverter
    {
        private readonly SdkDataConverter _sdk;

        public SdkConverterBridge(SdkDataConverter sdk)
        {
            _sdk = sdk;
        }

        public override string Serialize(object value) => _sdk.Serialize(value)!;

        public override string Serialize(object value, bool formatted) => Serialize(value);

        public override object Deserialize(string data, Type objectType) => _sdk.Deserialize(data, objectType)!;
    }
}
