using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Items;

namespace Serverless.Jobs;

/// <summary>JSON settings for everything a user reads: API bodies, manifest, result.</summary>
public static class JobJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static BinaryData Serialize<T>(T value) => BinaryData.FromObjectAsJson(value, Options);

    public static T Deserialize<T>(BinaryData data) =>
        data.ToObjectFromJson<T>(Options) ?? throw new InvalidDataException($"Expected a {typeof(T).Name}, found null.");
}

public enum ShardStatus
{
    Succeeded,
    Failed,
}

public enum JobResultStatus
{
    Completed,
    CompletedWithFailures,
    Failed,
}

/// <summary>One shard's line in the manifest: how its last (or winning) attempt went, when and where it ran.</summary>
/// <param name="Attempts">The number of the attempt this record is, counting from 1.</param>
/// <param name="Worker">The process that ran it, as <see cref="WorkerName"/> names it.</param>
public sealed record ShardRecord(
    int Index,
    ShardStatus Status,
    string? Blob,
    long? Size,
    int Attempts,
    double? DurationMs,
    string? Error,
    ItemCounts? Items = null,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? EndedAt = null,
    string? Worker = null);

/// <summary>
/// <c>results/{jobId}/manifest.json</c>: every shard exactly once, in index order; for an item job the item
/// totals and every result file; how many redrives have run.
/// </summary>
public sealed record JobManifest(
    string JobId,
    string Workload,
    JobResultStatus Status,
    int TotalShards,
    int SucceededShards,
    int FailedShards,
    double ToleratedFailurePercent,
    string? ResultBlob,
    DateTimeOffset WrittenAt,
    IReadOnlyList<ShardRecord> Shards,
    ItemSummary? Items = null,
    int Redrives = 0);

/// <summary><c>results/{jobId}/result.json</c>: the workload's result with the counts it rests on.</summary>
public sealed record JobResultDocument(
    string JobId,
    string Workload,
    JobResultStatus Status,
    int TotalShards,
    int SucceededShards,
    int FailedShards,
    JsonElement Result);

/// <summary>
/// <c>results/{jobId}/shards/{call}.json</c>: what one activity call did, one entry per shard attempt it
/// ran, so a batch of short shards costs one blob write, not one per shard.
/// </summary>
public sealed record ShardResults(IReadOnlyList<ShardResult> Shards);

/// <summary>
/// One shard attempt: its status, its partial when it succeeded, its error when not, its duration; item shards
/// add their counts. Start and end are UTC wall-clock times on the worker that ran it (null for an attempt lost
/// with its worker).
/// </summary>
public sealed record ShardResult(
    int Index,
    int Attempt,
    ShardStatus Status,
    JsonElement? Partial,
    double DurationMs,
    string? Error,
    ItemCounts? Items = null,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? EndedAt = null,
    string? Worker = null);

/// <summary>Names the process that runs an activity: host name and process id, the lanes of the dashboard's timeline.</summary>
public static class WorkerName
{
    public static string Current { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";
}

/// <summary>The job's blobs, as paths that start with the container.</summary>
public sealed record JobBlobs(string? Result, string Manifest, string Shards);

/// <summary>The orchestration's (small) output: counts, a result summary and where the blobs are.</summary>
public sealed record JobOutcome(
    string JobId,
    string Workload,
    JobResultStatus Status,
    int TotalShards,
    int SucceededShards,
    int FailedShards,
    IReadOnlyList<int> FailedShardIndexes,
    JsonElement? Result,
    JobBlobs Blobs,
    string? Error);

/// <summary>The orchestration's custom status while it runs.</summary>
/// <param name="RunningRanges">
/// Ids of the range orchestrations this one runs right now (at most its window): a status reads their
/// progress by id instead of listing the job's ranges.
/// </param>
public sealed record JobProgress(string Phase, int TotalShards, int CompletedShards, int FailedShards, IReadOnlyList<string>? RunningRanges = null);
