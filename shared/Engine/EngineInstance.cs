using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Serverless.Engine;

/// <summary>
/// One orchestration instance as an engine reports it. Inputs, outputs and custom status stay serialized;
/// they are read with the converter of the engine that wrote them, so both hosts read their own JSON.
/// </summary>
public sealed record EngineInstance(
    string InstanceId,
    string Name,
    OrchestrationRuntimeStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    string? SerializedInput,
    string? SerializedOutput,
    string? SerializedCustomStatus,
    string? FailureMessage,
    DataConverter Converter)
{
    public bool IsFinished => Status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;

    public T? ReadInput<T>() => Read<T>(SerializedInput);

    public T? ReadOutput<T>() => Read<T>(SerializedOutput);

    public T? ReadCustomStatus<T>() => Read<T>(SerializedCustomStatus);

    private T? Read<T>(string? json) => json is null ? default : Converter.Deserialize<T>(json);
}
