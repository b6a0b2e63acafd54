// Ported from microsoft/durabletask-dotnet, src/Client/OrchestrationServiceClientShim/ShimDurableTaskClient.cs
// and ShimExtensions.cs (Copyright (c) Microsoft Corporation, MIT License). The upstream package
// (Microsoft.DurableTask.Client.OrchestrationServiceClientShim) is not in our registry. Adapted to the
// DurableTaskClient 1.28.0 surface and to the Azure Storage engine's quirks (see comments below).

using System.Diagnostics;
using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using DurableTask.Core.Tracing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ClientOrchestrationQuery = Microsoft.DurableTask.Client.OrchestrationQuery;
using ClientPurgeResult = Microsoft.DurableTask.Client.PurgeResult;
using CoreOrchestrationQuery = DurableTask.Core.Query.OrchestrationQuery;
using CorePurgeResult = DurableTask.Core.PurgeResult;

namespace Serverless.Local.Engine;

/// <summary>
/// A <see cref="DurableTaskClient"/> that talks to a Durable Task engine through
/// <see cref="IOrchestrationServiceClient"/> (plus the optional query and purge interfaces).
/// </summary>
internal sealed class ShimDurableTaskClient : DurableTaskClient
{
    static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(1);

    static readonly OrchestrationStatus[] NonTerminalStatuses =
    [
        OrchestrationStatus.Running,
        OrchestrationStatus.Pending,
        OrchestrationStatus.Suspended,
    ];

    // Tags this client adds for the engine's own use; hidden again when reading metadata back.
    static readonly string[] InternalTags =
    [
        OrchestrationTags.CreateTraceForNewOrchestration,
        OrchestrationTags.RequestTime,
    ];

    // The engine returns history as untyped JSON, so map EventType back to the concrete event class.
    static readonly Lazy<Dictionary<EventType, Type>> HistoryEventTypes = new(() =>
        typeof(HistoryEvent).Assembly.GetTypes()
            .Where(t => typeof(HistoryEvent).IsAssignableFrom(t) && !t.IsAbstract)
            .ToDictionary(t => ((HistoryEvent)RuntimeHelpers.GetUninitializedObject(t)).EventType));

    static readonly SearchValues<char> NotInErrorType = SearchValues.Create(" \r\n\"{[");

    static readonly JsonSerializer HistorySerializer = JsonSerializer.Create(new JsonSerializerSettings());

    readonly IOrchestrationServiceClient client;
    readonly DataConverter dataConverter;

    public ShimDurableTaskClient(string name, IOrchestrationServiceClient client, DataConverter dataConverter)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(dataConverter);
        this.client = client;
        this.dataConverter = dataConverter;
    }

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => default;

    /// <inheritdoc/>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName,
        object? input = null,
        StartOrchestrationOptions? options = null,
        CancellationToken cancellation = default)
    {
        if (string.IsNullOrEmpty(orchestratorName.Name))
        {
            throw new ArgumentException("An orchestrator name is required.", nameof(orchestratorName));
        }

        cancellation.ThrowIfCancellationRequested();

        bool callerChoseId = !string.IsNullOrEmpty(options?.InstanceId);
        string instanceId = callerChoseId ? options!.InstanceId! : Guid.NewGuid().ToString("N");
        OrchestrationStatus[]? dedupeStatuses = ParseDedupeStatuses(options?.DedupeStatuses);

        // A fresh random ID cannot collide, so only caller-chosen IDs need the existing-instance check.
        if (callerChoseId)
        {
            await this.PrepareInstanceIdForReuseAsync(instanceId, dedupeStatuses, cancellation).ConfigureAwait(false);
        }

        Dictionary<string, string> tags = options?.Tags is { } userTags
            ? userTags.ToDictionary(kvp => kvp.Key, kvp => kvp.Value)
            : [];

        await this.CreateInstanceAsync(
            instanceId,
            orchestratorName.Name,
            options?.Version?.Version,
            this.dataConverter.Serialize(input),
            options?.StartAt,
            tags,
            dedupeStatuses).ConfigureAwait(false);
        return instanceId;
    }

    /// <inheritdoc/>
    public override Task RaiseEventAsync(
        string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);

        string? serializedPayload = this.dataConverter.Serialize(eventPayload);
        return this.SendInstanceMessageAsync(
            instanceId, new EventRaisedEvent(-1, serializedPayload) { Name = eventName }, cancellation);
    }

    /// <inheritdoc/>
    public override Task SuspendInstanceAsync(
        string instanceId, string? reason = null, CancellationToken cancellation = default)
        => this.SendInstanceMessageAsync(instanceId, new ExecutionSuspendedEvent(-1, reason), cancellation);

    /// <inheritdoc/>
    public override Task ResumeInstanceAsync(
        string instanceId, string? reason = null, CancellationToken cancellation = default)
        => this.SendInstanceMessageAsync(instanceId, new ExecutionResumedEvent(-1, reason), cancellation);

    /// <inheritdoc/>
    public override async Task TerminateInstanceAsync(
        string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();

        // The engine stores the reason verbatim as the instance output, so serialize it like any other output.
        string? reason = this.dataConverter.Serialize(options?.Output);
        if (options?.Recursive == true)
        {
            await this.TerminateRecursiveAsync(instanceId, reason, [], cancellation).ConfigureAwait(false);
        }
        else
        {
            await this.client.ForceTerminateTaskOrchestrationAsync(instanceId, reason).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata?> GetInstancesAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();

        OrchestrationState? state = await this.GetStateAsync(instanceId).ConfigureAwait(false);
        return state is null
            ? null
            : await this.ToMetadataAsync(state, getInputsAndOutputs, cancellation).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(ClientOrchestrationQuery? filter = null)
    {
        // Resolve eagerly so an unsupported engine fails at the call site rather than on first enumeration.
        IOrchestrationServiceQueryClient queryClient = this.CastClient<IOrchestrationServiceQueryClient>("querying instances");
        return Pageable.Create(async (continuation, pageSize, cancellation) =>
        {
            List<OrchestrationStatus>? statuses = filter?.Statuses?.Select(ConvertToCore).ToList();
            CoreOrchestrationQuery coreQuery = new()
            {
                RuntimeStatus = statuses is { Count: > 0 } ? statuses : null,
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                TaskHubNames = filter?.TaskHubNames?.ToList(),
                PageSize = pageSize ?? filter?.PageSize ?? ClientOrchestrationQuery.DefaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
            };

            OrchestrationQueryResult result = await queryClient
                .GetOrchestrationWithQueryAsync(coreQuery, cancellation).ConfigureAwait(false);

            // No per-instance history lookups here: failure details are derived from the stored output instead.
            List<OrchestrationMetadata> page = result.OrchestrationState
                .Where(s => s is not null)
                .Select(s => this.ToMetadata(s, coreQuery.FetchInputsAndOutputs, FailureDetailsFromOutput(s)))
                .ToList();
            return new Page<OrchestrationMetadata>(page, result.ContinuationToken);
        });
    }

    /// <inheritdoc/>
    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        => this.PollUntilAsync(
            instanceId, getInputsAndOutputs, status => status != OrchestrationStatus.Pending, cancellation);

    /// <inheritdoc/>
    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        => this.PollUntilAsync(instanceId, getInputsAndOutputs, IsTerminal, cancellation);

    /// <inheritdoc/>
    public override async Task<ClientPurgeResult> PurgeInstanceAsync(
        string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        IOrchestrationServicePurgeClient purgeClient = this.CastClient<IOrchestrationServicePurgeClient>("purging instances");
        cancellation.ThrowIfCancellationRequested();

        OrchestrationState? state = await this.GetStateAsync(instanceId).ConfigureAwait(false);
        if (state is null)
        {
            return new ClientPurgeResult(0);
        }

        if (!IsTerminal(state.OrchestrationStatus))
        {
            throw new InvalidOperationException(
                $"Only orchestrations in a terminal state can be purged, but the orchestration with instance ID " +
                $"'{instanceId}' has status {ConvertFromCore(state.OrchestrationStatus)}.");
        }

        if (options?.Recursive == true)
        {
            int purged = await this.PurgeRecursiveAsync(purgeClient, state, [], cancellation).ConfigureAwait(false);
            return new ClientPurgeResult(purged);
        }

        CorePurgeResult result = await purgeClient.PurgeInstanceStateAsync(instanceId).ConfigureAwait(false);
        return new ClientPurgeResult(result.DeletedInstanceCount, result.IsComplete);
    }

    /// <inheritdoc/>
    public override async Task<ClientPurgeResult> PurgeAllInstancesAsync(
        PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (options?.Recursive == true)
        {
            throw new NotSupportedException(
                "Recursive purge by filter is not supported by the local engine; purge instances individually " +
                "with PurgeInstanceAsync(instanceId, new PurgeInstanceOptions(Recursive: true)).");
        }

        IOrchestrationServicePurgeClient purgeClient = this.CastClient<IOrchestrationServicePurgeClient>("purging instances");
        cancellation.ThrowIfCancellationRequested();

        PurgeInstanceFilter coreFilter = new(
            (filter.CreatedFrom ?? DateTimeOffset.MinValue).UtcDateTime,
            filter.CreatedTo?.UtcDateTime,
            filter.Statuses?.Select(ConvertToCore).ToList())
        {
            Timeout = filter.Timeout,
        };

        CorePurgeResult result = await purgeClient.PurgeInstanceStateAsync(coreFilter).ConfigureAwait(false);
        return new ClientPurgeResult(result.DeletedInstanceCount, result.IsComplete);
    }

    /// <inheritdoc/>
    public override async Task<string> RestartAsync(
        string instanceId, bool restartWithNewInstanceId = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();

        // Work from the engine state rather than OrchestrationMetadata so version and tags survive the restart.
        OrchestrationState state = await this.GetStateAsync(instanceId).ConfigureAwait(false)
            ?? throw new ArgumentException(
                $"An orchestration with the instance ID '{instanceId}' was not found.", nameof(instanceId));

        if (!restartWithNewInstanceId && !IsTerminal(state.OrchestrationStatus))
        {
            throw new InvalidOperationException(
                $"Instance '{instanceId}' cannot be restarted while it is in state " +
                $"'{ConvertFromCore(state.OrchestrationStatus)}'. Wait until it has completed, or restart with a new instance ID.");
        }

        string newInstanceId = restartWithNewInstanceId ? Guid.NewGuid().ToString("N") : instanceId;
        await this.CreateInstanceAsync(
            newInstanceId,
            state.Name,
            state.Version,
            state.Input, // already serialized; passing it through avoids double serialization
            startAt: null,
            UserTags(state.Tags)?.ToDictionary(kvp => kvp.Key, kvp => kvp.Value) ?? [],
            dedupeStatuses: null).ConfigureAwait(false);
        return newInstanceId;
    }

    /// <inheritdoc/>
    public override async Task<IList<HistoryEvent>> GetOrchestrationHistoryAsync(
        string instanceId, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();

        OrchestrationState state = await this.GetStateAsync(instanceId).ConfigureAwait(false)
            ?? throw new ArgumentException(
                $"An orchestration with the instance ID '{instanceId}' was not found.", nameof(instanceId));
        return await this.GetHistoryAsync(state).ConfigureAwait(false);
    }

    static bool IsTerminal(OrchestrationStatus status) => status
        is OrchestrationStatus.Completed
        or OrchestrationStatus.Failed
        or OrchestrationStatus.Terminated
        or OrchestrationStatus.Canceled;

    static OrchestrationStatus[]? ParseDedupeStatuses(IReadOnlyList<string>? dedupeStatuses)
    {
        if (dedupeStatuses is null || dedupeStatuses.Count == 0)
        {
            return null;
        }

        return dedupeStatuses
            .Select(s => Enum.TryParse(s, ignoreCase: true, out OrchestrationRuntimeStatus status)
                ? ConvertToCore(status)
                : throw new ArgumentException($"Invalid orchestration runtime status '{s}' for deduplication."))
            .ToArray();
    }

    static OrchestrationRuntimeStatus ConvertFromCore(OrchestrationStatus status)
    {
#pragma warning disable CS0618 // Canceled/ContinuedAsNew are obsolete on the client enum but still produced by the engine.
        return status switch
        {
            OrchestrationStatus.Running => OrchestrationRuntimeStatus.Running,
            OrchestrationStatus.Completed => OrchestrationRuntimeStatus.Completed,
            OrchestrationStatus.ContinuedAsNew => OrchestrationRuntimeStatus.ContinuedAsNew,
            OrchestrationStatus.Failed => OrchestrationRuntimeStatus.Failed,
            OrchestrationStatus.Canceled => OrchestrationRuntimeStatus.Canceled,
            OrchestrationStatus.Terminated => OrchestrationRuntimeStatus.Terminated,
            OrchestrationStatus.Pending => OrchestrationRuntimeStatus.Pending,
            OrchestrationStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
            _ => (OrchestrationRuntimeStatus)(int)status,
        };
#pragma warning restore CS0618
    }

    static OrchestrationStatus ConvertToCore(OrchestrationRuntimeStatus status)
    {
#pragma warning disable CS0618 // See ConvertFromCore.
        return status switch
        {
            OrchestrationRuntimeStatus.Running => OrchestrationStatus.Running,
            OrchestrationRuntimeStatus.Completed => OrchestrationStatus.Completed,
            OrchestrationRuntimeStatus.ContinuedAsNew => OrchestrationStatus.ContinuedAsNew,
            OrchestrationRuntimeStatus.Failed => OrchestrationStatus.Failed,
            OrchestrationRuntimeStatus.Canceled => OrchestrationStatus.Canceled,
            OrchestrationRuntimeStatus.Terminated => OrchestrationStatus.Terminated,
            OrchestrationRuntimeStatus.Pending => OrchestrationStatus.Pending,
            OrchestrationRuntimeStatus.Suspended => OrchestrationStatus.Suspended,
            _ => (OrchestrationStatus)(int)status,
        };
#pragma warning restore CS0618
    }

    static TaskFailureDetails? ConvertFromCore(FailureDetails? details) => details is null
        ? null
        : new TaskFailureDetails(
            details.ErrorType,
            details.ErrorMessage,
            details.StackTrace,
            ConvertFromCore(details.InnerFailure),
            details.Properties);

    // The Azure Storage instances table has no failure-details column: it stores FailureDetails.ToString(),
    // i.e. "{ErrorType}: {ErrorMessage}", as the output of a failed instance.
    static TaskFailureDetails? FailureDetailsFromOutput(OrchestrationState state)
    {
        if (state.FailureDetails is not null)
        {
            return ConvertFromCore(state.FailureDetails);
        }

        if (state.OrchestrationStatus != OrchestrationStatus.Failed)
        {
            return null;
        }

        string output = state.Output ?? string.Empty;
        int separator = output.IndexOf(": ", StringComparison.Ordinal);
        return separator > 0 && !output.AsSpan(0, separator).ContainsAny(NotInErrorType)
            ? new TaskFailureDetails(output[..separator], output[(separator + 2)..], null, null, null)
            : new TaskFailureDetails("(unknown)", output, null, null, null);
    }

    // Azure Storage turns the start time into a queue visibility delay truncated to whole seconds,
    // so pad future start times by a second to keep StartAt a "not before" guarantee.
    static DateTime? ToScheduledStartTime(DateTimeOffset? startAt) => startAt is { } at && at > DateTimeOffset.UtcNow
        ? at.UtcDateTime.AddSeconds(1)
        : startAt?.UtcDateTime;

    static DateTimeOffset ToUtcOffset(DateTime value) => value.Kind == DateTimeKind.Local
        ? new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero)
        : new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);

    static Dictionary<string, string>? UserTags(IDictionary<string, string>? tags) => tags?
        .Where(kvp => !InternalTags.Contains(kvp.Key, StringComparer.Ordinal))
        .ToDictionary(kvp => kvp.Key, kvp => kvp.Value);

    static List<HistoryEvent> ParseHistory(string? json)
    {
        List<HistoryEvent> events = [];
        if (string.IsNullOrWhiteSpace(json))
        {
            return events;
        }

        foreach (JToken token in JArray.Parse(json))
        {
            if (token is not JObject item)
            {
                continue;
            }

            JToken? typeToken = item[nameof(HistoryEvent.EventType)];
            EventType eventType = typeToken?.Type switch
            {
                JTokenType.Integer => (EventType)typeToken.Value<int>(),
                JTokenType.String when Enum.TryParse(typeToken.Value<string>(), out EventType parsed) => parsed,
                _ => throw new InvalidOperationException($"History event without a recognizable EventType: {item}"),
            };

            if (!HistoryEventTypes.Value.TryGetValue(eventType, out Type? type))
            {
                throw new InvalidOperationException($"Unknown history event type '{eventType}'.");
            }

            events.Add((HistoryEvent)(item.ToObject(type, HistorySerializer)
                ?? throw new InvalidOperationException($"Could not read history event of type '{eventType}'.")));
        }

        return events;
    }

    async Task<OrchestrationState?> GetStateAsync(string instanceId)
    {
        // Azure Storage answers a missing instance with a one-element list holding null.
        IList<OrchestrationState>? states = await this.client
            .GetOrchestrationStateAsync(instanceId, allExecutions: false).ConfigureAwait(false);
        return states?.FirstOrDefault(s => s is not null);
    }

    async Task<List<HistoryEvent>> GetHistoryAsync(OrchestrationState state)
    {
        string json = await this.client.GetOrchestrationHistoryAsync(
            state.OrchestrationInstance.InstanceId, state.OrchestrationInstance.ExecutionId).ConfigureAwait(false);
        return ParseHistory(json);
    }

    async Task<List<string>> GetSubOrchestrationIdsAsync(OrchestrationState state) =>
        (await this.GetHistoryAsync(state).ConfigureAwait(false))
            .OfType<SubOrchestrationInstanceCreatedEvent>()
            .Select(e => e.InstanceId)
            .Where(id => !string.IsNullOrEmpty(id))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    async Task<OrchestrationMetadata> ToMetadataAsync(
        OrchestrationState state, bool getInputsAndOutputs, CancellationToken cancellation)
    {
        TaskFailureDetails? failure = ConvertFromCore(state.FailureDetails);
        if (failure is null && state.OrchestrationStatus == OrchestrationStatus.Failed)
        {
            // The full details (stack trace, inner failures) only survive in the ExecutionCompleted history event.
            try
            {
                List<HistoryEvent> history = await this.GetHistoryAsync(state).ConfigureAwait(false);
                failure = ConvertFromCore(history.OfType<ExecutionCompletedEvent>().LastOrDefault()?.FailureDetails);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or InvalidCastException)
            {
                // Best effort only; fall back to what the instance row holds.
            }

            cancellation.ThrowIfCancellationRequested();
            failure ??= FailureDetailsFromOutput(state);
        }

        return this.ToMetadata(state, getInputsAndOutputs, failure);
    }

    OrchestrationMetadata ToMetadata(OrchestrationState state, bool getInputsAndOutputs, TaskFailureDetails? failure) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = getInputsAndOutputs ? this.dataConverter : null,
            RuntimeStatus = ConvertFromCore(state.OrchestrationStatus),
            CreatedAt = ToUtcOffset(state.CreatedTime),
            LastUpdatedAt = ToUtcOffset(state.LastUpdatedTime),
            SerializedInput = state.Input,
            SerializedOutput = state.Output,
            SerializedCustomStatus = state.Status,
            Tags = UserTags(state.Tags) ?? new Dictionary<string, string>(),
            FailureDetails = failure,
        };

    T CastClient<T>(string operation) where T : class => this.client as T
        ?? throw new NotSupportedException(
            $"The configured engine client ({this.client.GetType().Name}) does not support {operation}: " +
            $"it does not implement {typeof(T).Name}.");

    Task SendInstanceMessageAsync(string instanceId, HistoryEvent @event, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();

        TaskMessage message = new()
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = @event,
        };
        return this.client.SendTaskOrchestrationMessageAsync(message);
    }

    async Task CreateInstanceAsync(
        string instanceId,
        string name,
        string? version,
        string? serializedInput,
        DateTimeOffset? startAt,
        Dictionary<string, string> tags,
        OrchestrationStatus[]? dedupeStatuses)
    {
        tags[OrchestrationTags.CreateTraceForNewOrchestration] = "true";
        tags[OrchestrationTags.RequestTime] = DateTimeOffset.UtcNow.ToString(CultureInfo.InvariantCulture);

        OrchestrationInstance instance = new()
        {
            InstanceId = instanceId,
            ExecutionId = Guid.NewGuid().ToString("N"),
        };

        // The engine parses this as a W3C traceparent, so hierarchical activity IDs are not forwarded.
        Activity? activity = Activity.Current;
        TaskMessage message = new()
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, serializedInput)
            {
                Name = name,
                Version = version ?? string.Empty,
                OrchestrationInstance = instance,
                ScheduledStartTime = ToScheduledStartTime(startAt),
                ParentTraceContext = activity is { IdFormat: ActivityIdFormat.W3C, Id: { } activityId }
                    ? new DistributedTraceContext(activityId, activity.TraceStateString)
                    : null,
                Tags = tags,
            },
        };

        await this.client.CreateTaskOrchestrationAsync(message, dedupeStatuses).ConfigureAwait(false);
    }

    // Mirrors the gRPC backends: a dedupe status match is an error, and a live instance whose status
    // is reusable is terminated first so the engine does not run two executions under one ID.
    async Task PrepareInstanceIdForReuseAsync(
        string instanceId, OrchestrationStatus[]? dedupeStatuses, CancellationToken cancellation)
    {
        OrchestrationState? existing = await this.GetStateAsync(instanceId).ConfigureAwait(false);
        if (existing is null)
        {
            return;
        }

        OrchestrationStatus status = existing.OrchestrationStatus;
        if (dedupeStatuses?.Contains(status) == true)
        {
            throw new OrchestrationAlreadyExistsException(
                $"An orchestration with instance ID '{instanceId}' and status '{ConvertFromCore(status)}' already exists.");
        }

        if (NonTerminalStatuses.Contains(status))
        {
            cancellation.ThrowIfCancellationRequested();
            string reason =
                $"A new instance creation request has been issued for instance {instanceId} which currently has " +
                $"status {ConvertFromCore(status)}. Since the dedupe statuses of the creation request, " +
                $"[{(dedupeStatuses is null ? string.Empty : string.Join(", ", dedupeStatuses))}], do not contain " +
                "the orchestration's status, the orchestration has been terminated and a new instance with the " +
                "same instance ID will be created.";
            await this.client.ForceTerminateTaskOrchestrationAsync(instanceId, this.dataConverter.Serialize(reason))
                .ConfigureAwait(false);
            await this.WaitForInstanceCompletionAsync(instanceId, cancellation: cancellation).ConfigureAwait(false);
        }
    }

    async Task<OrchestrationMetadata> PollUntilAsync(
        string instanceId,
        bool getInputsAndOutputs,
        Func<OrchestrationStatus, bool> isDone,
        CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);

        // Short first interval keeps local runs snappy; back off so long waits do not hammer storage.
        TimeSpan delay = MinPollInterval;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            OrchestrationState state = await this.GetStateAsync(instanceId).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Orchestration with instance ID '{instanceId}' does not exist.");

            if (isDone(state.OrchestrationStatus))
            {
                return await this.ToMetadataAsync(state, getInputsAndOutputs, cancellation).ConfigureAwait(false);
            }

            await Task.Delay(delay, cancellation).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollInterval.Ticks));
        }
    }

    // The engine has no recursive terminate; sub-orchestration IDs are recovered from the parent's history.
    async Task TerminateRecursiveAsync(
        string instanceId, string? reason, HashSet<string> visited, CancellationToken cancellation)
    {
        if (!visited.Add(instanceId))
        {
            return;
        }

        cancellation.ThrowIfCancellationRequested();
        OrchestrationState? state = await this.GetStateAsync(instanceId).ConfigureAwait(false);
        if (state is null || IsTerminal(state.OrchestrationStatus))
        {
            return;
        }

        List<string> children = await this.GetSubOrchestrationIdsAsync(state).ConfigureAwait(false);
        await this.client.ForceTerminateTaskOrchestrationAsync(instanceId, reason).ConfigureAwait(false);
        foreach (string child in children)
        {
            await this.TerminateRecursiveAsync(child, reason, visited, cancellation).ConfigureAwait(false);
        }
    }

    // Children are read from history before the parent is purged; non-terminal children are left alone.
    async Task<int> PurgeRecursiveAsync(
        IOrchestrationServicePurgeClient purgeClient,
        OrchestrationState state,
        HashSet<string> visited,
        CancellationToken cancellation)
    {
        string instanceId = state.OrchestrationInstance.InstanceId;
        if (!visited.Add(instanceId))
        {
            return 0;
        }

        cancellation.ThrowIfCancellationRequested();
        List<string> children = await this.GetSubOrchestrationIdsAsync(state).ConfigureAwait(false);
        CorePurgeResult result = await purgeClient.PurgeInstanceStateAsync(instanceId).ConfigureAwait(false);
        int purged = result.DeletedInstanceCount;

        foreach (string child in children)
        {
            OrchestrationState? childState = await this.GetStateAsync(child).ConfigureAwait(false);
            if (childState is not null && IsTerminal(childState.OrchestrationStatus))
            {
                purged += await this.PurgeRecursiveAsync(purgeClient, childState, visited, cancellation)
                    .ConfigureAwait(false);
            }
        }

        return purged;
    }
}
