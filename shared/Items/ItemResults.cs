using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Jobs;
using Serverless.Storage;

namespace Serverless.Items;

/// <summary>An item job's totals and result files, as the manifest lists them.</summary>
public sealed record ItemSummary(long Total, long Succeeded, long Failed, IReadOnlyList<ItemFile> Files, IReadOnlyList<ShardLines>? Lines);

/// <summary>For a file input: the number of shard n's first line, to turn the shard-relative <c>line</c> of its succeeded items into the file's.</summary>
public sealed record ShardLines(int Shard, long FirstLine, long Lines);

/// <summary>
/// Sums an item job's shards, and for a file input makes the line numbers in failed-item files count from the
/// file's start (a shard only knows its lines relative to its range until every shard before it has counted).
/// </summary>
public sealed class ItemResults
{
    private readonly IBlobStore _blobs;

    public ItemResults(IBlobStore blobs)
    {
        _blobs = blobs;
    }

    public async Task<ItemSummary> SummarizeAsync(IReadOnlyList<ShardRecord> shards, bool fileInput)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var counted = shards.Where(s => s.Items is not null).ToList();
        var files = counted.SelectMany(s => s.Items!.Files).ToList();
        var succeeded = counted.Sum(s => s.Items!.Succeeded);
        var failed = counted.Sum(s => s.Items!.Failed);
        var lines = fileInput ? await RebaseLinesAsync(shards).ConfigureAwait(false) : null;
        return new ItemSummary(succeeded + failed, succeeded, failed, files, lines);
    }

    /// <summary>
    /// First lines are prefix sums of the shards' line counts, known up to the first shard that failed as a
    /// whole (after it, lines stay shard-relative). Failed-item files, small by nature, are rewritten with the
    /// file's line numbers.
    /// </summary>
    private async Task<IReadOnlyList<ShardLines>> RebaseLinesAsync(IReadOnlyList<ShardRecord> shards)
    {
        var result = new List<ShardLines>();
        long firstLine = 1;
        foreach (var shard in shards.OrderBy(s => s.Index))
        {
            if (shard.Items is not { } items)
            {
                break;
            }

            result.Add(new ShardLines(shard.Index, firstLine, items.Lines));
            if (!items.LinesAreAbsolute && firstLine > 1)
            {
                foreach (var file in items.Files.Where(f => f.Kind == ItemFileKind.Failed))
                {
                    await RebaseFileAsync(file.Path, firstLine - 1).ConfigureAwait(false);
                }
            }

            firstLine += items.Lines;
        }

        return result;
    }

    private async Task RebaseFileAsync(string path, long offset)
    {
        var content = await _blobs.ReadAsync(path).ConfigureAwait(false);
        if (content is null)
        {
            return;
        }

        var rebased = new StringBuilder();
        foreach (var line in content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var record = JsonNode.Parse(line)!.AsObject();
            if (record["source"]?["line"] is JsonValue value && value.TryGetValue<long>(out var relative))
            {
                record["source"]!["line"] = relative + offset;
            }

            rebased.Append(record.ToJsonString(JobJson.Options)).Append('\n');
        }

        await _blobs.WriteAsync(path, BinaryData.FromString(rebased.ToString())).ConfigureAwait(false);
    }
}
