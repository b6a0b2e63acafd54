using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Jobs;
using Serverless.Storage;

namespace Serverless.Items;

/// <summary>
/// An item job's totals and result files, as the manifest lists them, with the input's size. For a file
/// input, <see cref="Lines"/> gives each shard's first line: succeeded-item files with relative lines count
/// from there; failed-item lines are rewritten to count from the file's start.
/// </summary>
public sealed record ItemSummary(long Total, long Succeeded, long Failed, long InputBytes, IReadOnlyList<ItemFile> Files, IReadOnlyList<ShardLines>? Lines);

/// <summary>For a file input: the number of shard n's first line in the file, and how many lines it has.</summary>
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

    public async Task<ItemSummary> SummarizeAsync(IReadOnlyList<ShardRecord> shards, bool fileInput, long inputBytes)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var counted = shards.Where(s => s.Items is not null).OrderBy(s => s.Index).ToList();
        var files = new List<ItemFile>();
        var lines = fileInput ? new List<ShardLines>() : null;
        long firstLine = 1;
        var linesKnown = true;
        foreach (var shard in shards.OrderBy(s => s.Index))
        {
            // First lines are prefix sums of line counts: known up to the first shard that failed as a whole.
            linesKnown &= shard.Items is not null;
            if (shard.Items is not { } items)
            {
                continue;
            }

            foreach (var file in items.Files)
            {
                var rebase = linesKnown && file is { Kind: ItemFileKind.Failed, RelativeLines: true };
                if (rebase)
                {
                    await RebaseFileAsync(file.Path, firstLine - 1).ConfigureAwait(false);
                }

                files.Add(rebase ? file with { RelativeLines = false } : file);
            }

            if (lines is not null && linesKnown)
            {
                lines.Add(new ShardLines(shard.Index, firstLine, items.Lines));
                firstLine += items.Lines;
            }
        }

        var succeeded = counted.Sum(s => s.Items!.Succeeded);
        var failed = counted.Sum(s => s.Items!.Failed);
        return new ItemSummary(succeeded + failed, succeeded, failed, inputBytes, files, lines);
    }

    private async Task RebaseFileAsync(string path, long offset)
    {
        var content = await _blobs.ReadAsync(path).ConfigureAwait(false);
        if (content is null || offset == 0)
        {
            return;
        }

        var rebased = new StringBuilder();
        foreach (var line in content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var record = JsonNode.Parse(line)!.AsObject();
            // From the line within the shard, kept on first rebase: a finish that runs twice, or a redrive of
            // already rebased items, lands on the same number.
            var source = record["source"]?.AsObject();
            var shardLine = source?["shardLine"] ?? source?["line"];
            if (source is not null && shardLine is JsonValue value && value.TryGetValue<long>(out var relative))
            {
                source["shardLine"] = relative;
                source["line"] = relative + offset;
            }

            rebased.Append(record.ToJsonString(JobJson.Options)).Append('\n');
        }

        await _blobs.WriteAsync(path, BinaryData.FromString(rebased.ToString())).ConfigureAwait(false);
    }
}
