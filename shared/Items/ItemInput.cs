using System.Text.Json;

namespace Serverless.Items;

public enum ItemFormat
{
    Text,
    Jsonl,
    Csv,
}

/// <summary>How CSV lines are split: the delimiter, and whether the first line names the columns.</summary>
public sealed record CsvOptions(char Delimiter = ',', bool Header = true);

/// <summary>
/// Where a data-parallel job's items come from: the lines of one blob (<see cref="Blob"/> with its
/// <see cref="Format"/>), one item per blob under <see cref="Prefix"/>, or <see cref="Items"/> given inline.
/// Exactly one of the three is set. Blob paths start with their container.
/// </summary>
public sealed record ItemInput(
    string? Blob,
    ItemFormat Format,
    CsvOptions? Csv,
    string? Prefix,
    IReadOnlyList<JsonElement>? Items,
    int MaxItemsPerShard,
    long MaxBytesPerShard)
{
    public const int DefaultMaxItemsPerShard = 1_000;
    public const long DefaultMaxBytesPerShard = 64L << 20;
}

/// <summary>
/// Where one item came from, precise enough to find it again: the blob, and for lines the byte offset
/// where the line starts and its line number (1-based); for listed or inline items their index. When a
/// line number counted within a shard's range is rebased to the file's, <paramref name="ShardLine"/> keeps
/// the original, so rebasing again gives the same answer.
/// </summary>
public sealed record ItemSource(string? Blob, long? Offset = null, long? Line = null, long? Index = null, long? ShardLine = null);

/// <summary>One item to process: its value (a line's text, a JSONL document, a CSV row, a blob's path and size, an inline value).</summary>
public sealed record Item(JsonElement Value, ItemSource Source);

/// <summary>
/// What a reader yields for each position: the item, or why the item there cannot be read (a malformed
/// CSV row, a JSONL line that is not JSON), which the engine records as that item's failure.
/// </summary>
public readonly record struct ItemRead(Item? Item, ItemSource Source, string? Error);

/// <summary>Bytes [Start, End) of a blob: a shard's share of a file, before line alignment.</summary>
public sealed record ByteRange(long Start, long End)
{
    public long Length => End - Start;
}
