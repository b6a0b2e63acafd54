using System.Text;
using System.Text.Json;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Items;

public sealed class ItemResultsTests
{
    private const string Input = "data/f.csv";
    private readonly InMemoryBlobStore _blobs = new();
    private readonly ItemResults _results;

    public ItemResultsTests()
    {
        _results = new ItemResults(_blobs);
    }

    private static string FailedPath(int shard) => $"results/job/items/failed-{shard}.jsonl";

    private static string SucceededPath(int shard) => $"results/job/items/succeeded-{shard}.jsonl";

    /// <summary>Writes a result file whose lines have these (offset, line) sources, and returns its entry.</summary>
    private async Task<ItemFile> WriteFileAsync(string path, ItemFileKind kind, bool relativeLines, params (long Offset, long Line)[] sources)
    {
        var text = new StringBuilder();
        foreach (var (offset, line) in sources)
        {
            text.Append(kind == ItemFileKind.Succeeded
                ? $$$"""{"source":{"blob":"{{{Input}}}","offset":{{{offset}}},"line":{{{line}}}},"result":{"words":2}}"""
                : $$$"""{"source":{"blob":"{{{Input}}}","offset":{{{offset}}},"line":{{{line}}}},"item":{"name":"x{{{line}}}"},"error":"row {{{line}}} is bad"}""").Append('\n');
        }

        var size = await _blobs.WriteAsync(path, BinaryData.FromString(text.ToString()));
        return new ItemFile(path, kind, sources.Length, size, relativeLines);
    }

    private static ShardRecord Shard(int index, long succeeded, long failed, long lines, params ItemFile[] files) =>
        new(index, ShardStatus.Succeeded, $"results/job/shards/{index}.json", 100, 1, 1.5, null,
            new ItemCounts(succeeded, failed, lines, index == 0, lines * 10, files));

    private static ShardRecord FailedShard(int index) => new(index, ShardStatus.Failed, null, null, 3, null, "boom");

    private List<JsonElement> ReadLines(string path) =>
        [.. _blobs.Get(path).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private List<long> LinesIn(string path) => [.. ReadLines(path).Select(l => l.GetProperty("source").GetProperty("line").GetInt64())];

    [Fact]
    public async Task SummarizeAsync_FileInput_FailedLinesRebasedByPrefixSumsOfLineCounts()
    {
        // Arrange: shards of 5, 7, 3 and 6 lines start at lines 1, 6, 13 and 16.
        var shards = new[]
        {
            Shard(0, 3, 2, 5, await WriteFileAsync(SucceededPath(0), ItemFileKind.Succeeded, false, (0, 1), (10, 3), (20, 5)), await WriteFileAsync(FailedPath(0), ItemFileKind.Failed, false, (5, 2), (15, 4))),
            Shard(1, 5, 2, 7, await WriteFileAsync(SucceededPath(1), ItemFileKind.Succeeded, true, (30, 2), (35, 3), (40, 4), (45, 5), (50, 6)), await WriteFileAsync(FailedPath(1), ItemFileKind.Failed, true, (25, 1), (55, 7))),
            Shard(2, 3, 0, 3, await WriteFileAsync(SucceededPath(2), ItemFileKind.Succeeded, true, (60, 1), (65, 2), (70, 3))),
            Shard(3, 5, 1, 6, await WriteFileAsync(SucceededPath(3), ItemFileKind.Succeeded, true, (75, 1), (85, 3), (90, 4), (95, 5), (99, 6)), await WriteFileAsync(FailedPath(3), ItemFileKind.Failed, true, (80, 2))),
        };
        var before = shards.SelectMany(s => s.Items!.Files).ToDictionary(f => f.Path, f => _blobs.Get(f.Path).ToString());

        // Act: given out of order, as ranges may list them.
        var summary = await _results.SummarizeAsync([shards[2], shards[0], shards[3], shards[1]], fileInput: true, inputBytes: 100);

        // Assert: totals.
        Assert.Equal((21L, 16L, 5L, 100L), (summary.Total, summary.Succeeded, summary.Failed, summary.InputBytes));
        Assert.Equal([new ShardLines(0, 1, 5), new ShardLines(1, 6, 7), new ShardLines(2, 13, 3), new ShardLines(3, 16, 6)], summary.Lines!);

        // Assert: relative failed lines now count from the file's start; the rest of each record is unchanged.
        Assert.Equal([6L, 12L], LinesIn(FailedPath(1)));
        Assert.Equal([17L], LinesIn(FailedPath(3)));
        var rebased = ReadLines(FailedPath(1));
        Assert.Equal([25L, 55L], rebased.Select(l => l.GetProperty("source").GetProperty("offset").GetInt64()));
        Assert.All(rebased, l => Assert.Equal(Input, l.GetProperty("source").GetProperty("blob").GetString()));
        Assert.Equal(["row 1 is bad", "row 7 is bad"], rebased.Select(l => l.GetProperty("error").GetString()));
        Assert.Equal(["x1", "x7"], rebased.Select(l => l.GetProperty("item").GetProperty("name").GetString()));

        // Assert: absolute failed files and every succeeded file are left as they were.
        foreach (var path in new[] { FailedPath(0), SucceededPath(0), SucceededPath(1), SucceededPath(2), SucceededPath(3) })
        {
            Assert.Equal(before[path], _blobs.Get(path).ToString());
            Assert.Equal(1, _blobs.WriteCount(path));
        }

        // Assert: the files in shard order, the rebased ones no longer relative.
        Assert.Equal(
            [
                (SucceededPath(0), ItemFileKind.Succeeded, false), (FailedPath(0), ItemFileKind.Failed, false),
                (SucceededPath(1), ItemFileKind.Succeeded, true), (FailedPath(1), ItemFileKind.Failed, false),
                (SucceededPath(2), ItemFileKind.Succeeded, true),
                (SucceededPath(3), ItemFileKind.Succeeded, true), (FailedPath(3), ItemFileKind.Failed, false),
            ],
            summary.Files.Select(f => (f.Path, f.Kind, f.RelativeLines)));
    }

    [Fact]
    public async Task SummarizeAsync_ShardFailedAsAWhole_RebasingStopsAfterIt()
    {
        // Arrange: shard 1 has no line count, so no later shard knows where its lines start.
        var shard2Failed = await WriteFileAsync(FailedPath(2), ItemFileKind.Failed, true, (70, 3));
        var shard3Failed = await WriteFileAsync(FailedPath(3), ItemFileKind.Failed, true, (90, 1));
        var shards = new[]
        {
            Shard(0, 4, 1, 5, await WriteFileAsync(FailedPath(0), ItemFileKind.Failed, false, (12, 3))),
            FailedShard(1),
            Shard(2, 3, 1, 4, shard2Failed),
            Shard(3, 2, 1, 3, shard3Failed),
        };
        var before2 = _blobs.Get(FailedPath(2)).ToString();

        // Act
        var summary = await _results.SummarizeAsync(shards, fileInput: true, inputBytes: 120);

        // Assert: the failed shard's items are not counted; lines are known for shard 0 only.
        Assert.Equal((12L, 9L, 3L), (summary.Total, summary.Succeeded, summary.Failed));
        Assert.Equal([new ShardLines(0, 1, 5)], summary.Lines!);
        Assert.Equal(before2, _blobs.Get(FailedPath(2)).ToString());
        Assert.Equal(1, _blobs.WriteCount(FailedPath(2)));
        Assert.Equal([1L], LinesIn(FailedPath(3)));
        Assert.Equal([shard2Failed, shard3Failed], summary.Files.Where(f => f.Path != FailedPath(0)));
        Assert.All(summary.Files.Skip(1), f => Assert.True(f.RelativeLines));
    }

    [Fact]
    public async Task SummarizeAsync_FirstShardFailedAsAWhole_NothingRebasedNoLines()
    {
        // Arrange
        var file = await WriteFileAsync(FailedPath(1), ItemFileKind.Failed, true, (40, 2));

        // Act
        var summary = await _results.SummarizeAsync([FailedShard(0), Shard(1, 1, 1, 2, file)], fileInput: true, inputBytes: 50);

        // Assert
        Assert.Empty(summary.Lines!);
        Assert.Equal([2L], LinesIn(FailedPath(1)));
        Assert.Equal((2L, 1L, 1L), (summary.Total, summary.Succeeded, summary.Failed));
    }

    [Fact]
    public async Task SummarizeAsync_ListedOrInlineInput_NoLinesAndFilesUntouched()
    {
        // Arrange: inline items record indexes, never lines.
        var failed = new ItemFile(FailedPath(0), ItemFileKind.Failed, 1, 0);
        await _blobs.WriteAsync(failed.Path, BinaryData.FromString("""{"source":{"index":4},"item":"x","error":"boom"}""" + "\n"));
        var shards = new[] { Shard(0, 9, 1, 0, failed), Shard(1, 10, 0, 0) };

        // Act
        var summary = await _results.SummarizeAsync(shards, fileInput: false, inputBytes: 77);

        // Assert
        Assert.Null(summary.Lines);
        Assert.Equal([failed], summary.Files);
        Assert.Equal(1, _blobs.WriteCount(failed.Path));
        Assert.Equal((20L, 19L, 1L, 77L), (summary.Total, summary.Succeeded, summary.Failed, summary.InputBytes));
    }

    [Fact]
    public async Task SummarizeAsync_RetriedFileWithRelativeLines_NotRebased()
    {
        // Arrange: a failed file a redrive already ran again is history; only Failed files are rewritten.
        var retried = await WriteFileAsync(FailedPath(1), ItemFileKind.Retried, true, (30, 2));
        var shards = new[] { Shard(0, 4, 0, 4), Shard(1, 3, 0, 3, retried) };

        // Act
        var summary = await _results.SummarizeAsync(shards, fileInput: true, inputBytes: 40);

        // Assert
        Assert.Equal([2L], LinesIn(FailedPath(1)));
        Assert.Equal([retried], summary.Files);
    }

    [Fact]
    public async Task SummarizeAsync_CalledAgainOnTheSameShards_LinesRebasedOnlyOnce()
    {
        // Arrange: activities run at least once; the finish step may run twice over the same shard records.
        var failed = await WriteFileAsync(FailedPath(1), ItemFileKind.Failed, true, (55, 7));
        var shards = new[] { Shard(0, 5, 0, 5), Shard(1, 6, 1, 7, failed) };
        await _results.SummarizeAsync(shards, fileInput: true, inputBytes: 100);

        // Act
        await _results.SummarizeAsync(shards, fileInput: true, inputBytes: 100);

        // Assert: line 7 of a shard that starts at line 6 is line 12 of the file, however often the step runs.
        Assert.Equal([12L], LinesIn(FailedPath(1)));
    }
}
