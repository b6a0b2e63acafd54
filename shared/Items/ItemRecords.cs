namespace Serverless.Items;

/// <summary>
/// A result file of an item job: <c>items/succeeded-{n}.jsonl</c> or <c>items/failed-{n}.jsonl</c> (a redrive
/// adds <c>.redrive-{k}</c>). <paramref name="RelativeLines"/>: its <c>line</c>s count from its shard's first line.
/// </summary>
public sealed record ItemFile(string Path, ItemFileKind Kind, long Items, long Bytes, bool RelativeLines = false);

public enum ItemFileKind
{
    Succeeded,
    Failed,

    /// <summary>A failed-items file whose items a redrive ran again (their outcome is in that redrive's files); kept, never deleted.</summary>
    Retried,
}

/// <summary>
/// What one shard of an item job did: items succeeded and failed, the lines and bytes it read (for a file
/// input; lines are numbered from the file's start only when <paramref name="LinesAreAbsolute"/>), and its files.
/// </summary>
public sealed record ItemCounts(long Succeeded, long Failed, long Lines, bool LinesAreAbsolute, long BytesRead, IReadOnlyList<ItemFile> Files);

/// <summary>What planning found: how many shards, and how many items (unknown for a file until it is read) and bytes.</summary>
public sealed record ItemPlanSummary(int Shards, long? Items, long Bytes);

/// <summary><c>results/{jobId}/plan/{n}.json</c> for a prefix input: the blobs shard n processes.</summary>
public sealed record ListedShardPlan(long FirstIndex, IReadOnlyList<ListedBlob> Blobs);

public sealed record ListedBlob(string Path, long Size);

/// <summary>What an item shard's run reads of its job: the parameters and item input from the spec, the planned input size, the redrive.</summary>
public sealed record ItemShardJob(string JobId, IReadOnlyDictionary<string, System.Text.Json.JsonElement> Parameters, ItemInput Input, long InputSize, int Redrive);
