using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Orchestration.Activities;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Items;

public sealed partial class ItemShardRunnerTests
{
    private const string JobId = "job-items";
    private static readonly Dictionary<string, JsonElement> EmptyParameters = new(StringComparer.Ordinal);
    private readonly InMemoryBlobStore _blobs = new();
    private readonly ItemShardRunner _runner;

    public ItemShardRunnerTests()
    {
        _runner = new ItemShardRunner(_blobs);
    }

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex LetterRuns();

    private static ItemInput FileInput(string blob, ItemFormat format, long maxBytesPerShard, CsvOptions? csv = null) =>
        new(blob, format, csv, null, null, ItemInput.DefaultMaxItemsPerShard, maxBytesPerShard);

    private static ItemShardJob Shard(IWorkload workload, ItemInput input, long inputSize, int shard, int redrive = 0) =>
        new(JobId, EmptyParameters, input, inputSize, redrive);

    private List<JsonElement> ReadLines(string path) =>
        [.. _blobs.Get(path).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static ItemSource SourceOf(JsonElement line) => line.GetProperty("source").Deserialize<ItemSource>(JobJson.Options)!;

    /// <summary>Lines of words, punctuation, digits and some Unicode; empty lines and CRLFs among them.</summary>
    private static (byte[] Data, List<(long Offset, string Text, long Number)> Lines) GenerateText(int seed, int lineCount)
    {
        string[] vocabulary = ["the", "The", "quick", "brown", "fox", "naïve", "café", "don't", "x", "Straße", "ÉCOLE", "日本語", "Київ", "42", "a1b2", "well-known", "e.g.", "—", "long" + new string('o', 40) + "word"];
        string[] separators = [" ", " ", ", ", "; ", "\t", "  "];
        var random = new Random(seed);
        var text = new StringBuilder();
        var lines = new List<(long, string, long)>();
        long offset = 0;
        for (var n = 1; n <= lineCount; n++)
        {
            var words = random.Next(0, 6) == 0 ? 0 : random.Next(1, 14);
            var line = new StringBuilder();
            for (var w = 0; w < words; w++)
            {
                line.Append(w == 0 ? string.Empty : separators[random.Next(separators.Length)]).Append(vocabulary[random.Next(vocabulary.Length)]);
            }

            var ending = random.Next(0, 5) == 0 ? "\r\n" : "\n";
            lines.Add((offset, line.ToString(), n));
            text.Append(line).Append(ending);
            offset += Encoding.UTF8.GetByteCount(line.ToString()) + ending.Length;
        }

        return (Encoding.UTF8.GetBytes(text.ToString()), lines);
    }

    [Fact]
    public async Task RunAsync_TextSplitIntoShards_CombinedWordCountEqualsIndependentCount()
    {
        // Arrange
        var (data, lines) = GenerateText(seed: 11, lineCount: 600);
        await _blobs.WriteAsync("data/book.txt", BinaryData.FromBytes(data));
        const long MaxBytes = 997;
        var input = FileInput("data/book.txt", ItemFormat.Text, MaxBytes);
        var shardCount = (int)((data.Length + MaxBytes - 1) / MaxBytes);
        var workload = new WordCountWorkload();
        Assert.True(shardCount >= 8, $"Only {shardCount} shards.");

        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (_, text, _) in lines)
        {
            foreach (Match match in LetterRuns().Matches(text))
            {
                var word = match.Value.ToLowerInvariant();
                expected[word] = expected.GetValueOrDefault(word) + 1;
            }
        }

        // Act
        var results = new List<(JsonElement Partial, ItemCounts Counts)>();
        for (var n = 0; n < shardCount; n++)
        {
            results.Add(await _runner.RunAsync(workload, Shard(workload, input, data.Length, n), n, CancellationToken.None));
        }

        // Assert: the combined counts.
        var combined = results.Select(r => r.Partial).Aggregate(workload.Combine);
        var counts = combined.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
        Assert.Equal(expected, counts);
        Assert.Equal(expected.Values.Sum(), combined.GetProperty("words").GetInt64());

        // Assert: every line counted once; every non-empty line succeeded once with its own word count.
        Assert.Equal(lines.Count, results.Sum(r => r.Counts.Lines));
        Assert.Equal(lines.Count(l => l.Text.Length > 0), results.Sum(r => r.Counts.Succeeded));
        Assert.All(results, r => Assert.Equal(0, r.Counts.Failed));
        var byOffset = lines.ToDictionary(l => l.Offset);
        var seen = new HashSet<long>();
        long linesBefore = 0;
        for (var n = 0; n < shardCount; n++)
        {
            var shardCounts = results[n].Counts;
            Assert.Equal(n == 0, shardCounts.LinesAreAbsolute);
            var file = Assert.Single(shardCounts.Files);
            Assert.Equal(new ItemFile(JobBlobLayout.ItemFile(JobId, ItemFileKind.Succeeded, n, 0), ItemFileKind.Succeeded, shardCounts.Succeeded, _blobs.Get(file.Path).ToMemory().Length, RelativeLines: n > 0), file);
            var written = ReadLines(file.Path);
            Assert.Equal(shardCounts.Succeeded, written.Count);
            foreach (var line in written)
            {
                var source = SourceOf(line);
                var original = byOffset[source.Offset!.Value];
                Assert.True(seen.Add(original.Offset), $"Line at {original.Offset} written twice.");
                Assert.Equal("data/book.txt", source.Blob);
                Assert.InRange(original.Offset, n * MaxBytes, ((n + 1) * MaxBytes) - 1);
                Assert.Equal(original.Number, linesBefore + source.Line);
                Assert.Equal(LetterRuns().Count(original.Text), line.GetProperty("result").GetProperty("words").GetInt32());
            }

            // A shard reads its range and at most a chunk past it, never the whole file.
            Assert.InRange(shardCounts.BytesRead, Math.Min(MaxBytes, data.Length - (n * MaxBytes)), MaxBytes + LineItemReader.ReadChunkSize + 1);
            linesBefore += shardCounts.Lines;
        }
    }

    [Fact]
    public async Task RunAsync_JsonlWithOneBadLine_ThatItemInItsShardsFailedFileAtItsOffset()
    {
        // Arrange: 40 lines, line 23 is not JSON.
        const int BadLine = 23;
        const long MaxBytes = 200;
        var text = new StringBuilder();
        var offsets = new List<long>();
        for (var n = 1; n <= 40; n++)
        {
            offsets.Add(Encoding.UTF8.GetByteCount(text.ToString()));
            text.Append(n == BadLine ? """{"text": "broken line" """ : $$"""{"text": "word {{n}} and more"}""").Append('\n');
        }

        var data = Encoding.UTF8.GetBytes(text.ToString());
        await _blobs.WriteAsync("data/lines.jsonl", BinaryData.FromBytes(data));
        var input = FileInput("data/lines.jsonl", ItemFormat.Jsonl, MaxBytes);
        var shardCount = (int)((data.Length + MaxBytes - 1) / MaxBytes);
        var badOffset = offsets[BadLine - 1];
        var badShard = (int)(badOffset / MaxBytes);
        var linesBeforeBadShard = offsets.Count(o => o < badShard * MaxBytes);
        var workload = new WordCountWorkload();

        // Act
        var results = new List<ItemCounts>();
        for (var n = 0; n < shardCount; n++)
        {
            results.Add((await _runner.RunAsync(workload, Shard(workload, input, data.Length, n), n, CancellationToken.None)).Counts);
        }

        // Assert
        Assert.Equal(39, results.Sum(c => c.Succeeded));
        Assert.Equal(1, results[badShard].Failed);
        Assert.All(results.Where((_, n) => n != badShard), c => Assert.Equal(0, c.Failed));
        var failedFile = Assert.Single(results.SelectMany(c => c.Files), f => f.Kind == ItemFileKind.Failed);
        Assert.Equal(JobBlobLayout.ItemFile(JobId, ItemFileKind.Failed, badShard, 0), failedFile.Path);
        Assert.Equal(1, failedFile.Items);
        var failed = Assert.Single(ReadLines(failedFile.Path));
        Assert.Equal(new ItemSource("data/lines.jsonl", badOffset, BadLine - linesBeforeBadShard), SourceOf(failed));
        Assert.False(failed.TryGetProperty("item", out _));
        Assert.Contains("not valid JSON", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(badShard > 0, failedFile.RelativeLines);
    }

    [Fact]
    public async Task RunAsync_InlineItems_EachShardItsSliceWithIndexes()
    {
        // Arrange: 25 items, 4 per shard: shards [0,4), [4,8), ..., [24,25).
        var workload = new FailingItemsWorkload();
        var items = Enumerable.Range(0, 25).Select(i => JsonSerializer.SerializeToElement($"item {i}")).ToList();
        var input = new ItemInput(null, ItemFormat.Text, null, null, items, MaxItemsPerShard: 4, MaxBytesPerShard: ItemInput.DefaultMaxBytesPerShard);

        for (var n = 0; n < 7; n++)
        {
            // Act
            var (partial, counts) = await _runner.RunAsync(workload, Shard(workload, input, 0, n), n, CancellationToken.None);

            // Assert
            var expected = Enumerable.Range(4 * n, Math.Min(4, 25 - (4 * n))).ToList();
            Assert.Equal(expected.Select(i => $"item {i}"), partial.GetProperty("values").EnumerateArray().Select(v => v.GetString()));
            Assert.Equal(expected.Count, counts.Succeeded);
            Assert.Equal((0L, 0L, 0L), (counts.Failed, counts.Lines, counts.BytesRead));
            var file = Assert.Single(counts.Files);
            Assert.False(file.RelativeLines);
            var written = ReadLines(file.Path);
            Assert.Equal(expected.Select(i => new ItemSource(null, Index: i)), written.Select(SourceOf));
            Assert.Equal(expected.Select(i => $"item {i}"), written.Select(l => l.GetProperty("result").GetProperty("key").GetString()));
        }
    }

    [Fact]
    public async Task RunAsync_PrefixPlannedByPlanItems_EachShardChecksumsItsListedBlobs()
    {
        // Arrange: ten blobs under the prefix, one beside it that must not be listed.
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < 10; i++)
        {
            var bytes = new byte[(i * 97) + 1];
            new Random(i).NextBytes(bytes);
            contents[$"src/files/f{i:00}.bin"] = bytes;
            await _blobs.WriteAsync($"src/files/f{i:00}.bin", BinaryData.FromBytes(bytes));
        }

        await _blobs.WriteAsync("src/filesystem.txt", BinaryData.FromString("not under the prefix"));
        var input = new ItemInput(null, ItemFormat.Text, null, "src/files/", null, MaxItemsPerShard: 3, MaxBytesPerShard: ItemInput.DefaultMaxBytesPerShard);
        var workload = new ChecksumWorkload(_blobs);

        // Act
        var plan = await new PlanItemsActivity(_blobs).ExecuteAsync(new PlanItemsInput(JobId, input));
        var results = new List<(JsonElement Partial, ItemCounts Counts)>();
        for (var n = 0; n < plan.Shards; n++)
        {
            results.Add(await _runner.RunAsync(workload, Shard(workload, input, plan.Bytes, n), n, CancellationToken.None));
        }

        // Assert: the plan.
        Assert.Equal(new ItemPlanSummary(4, 10, contents.Values.Sum(b => (long)b.Length)), plan);
        var names = contents.Keys.Order(StringComparer.Ordinal).ToList();
        for (var n = 0; n < 4; n++)
        {
            var shardPlan = JobJson.Deserialize<ListedShardPlan>(_blobs.Get(JobBlobLayout.PlanShard(JobId, n)));
            Assert.Equal(3 * n, shardPlan.FirstIndex);
            Assert.Equal(names.Skip(3 * n).Take(3).Select(p => new ListedBlob(p, contents[p].Length)), shardPlan.Blobs);
        }

        Assert.False(_blobs.Contains(JobBlobLayout.PlanShard(JobId, 4)));

        // Assert: every blob's checksum once, with its index, in its planned shard.
        var lines = results.SelectMany(r => ReadLines(Assert.Single(r.Counts.Files).Path)).ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => new ItemSource(names[i], Index: i)), lines.Select(SourceOf));
        foreach (var line in lines)
        {
            var result = line.GetProperty("result");
            var blob = result.GetProperty("blob").GetString()!;
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(contents[blob])), result.GetProperty("sha256").GetString());
            Assert.Equal(contents[blob].Length, result.GetProperty("size").GetInt64());
        }

        var total = results.Select(r => r.Partial).Aggregate(workload.Combine);
        Assert.Equal(10, total.GetProperty("blobs").GetInt64());
        Assert.Equal(plan.Bytes, total.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task RunAsync_MissingInputBlob_ThrowsSoTheShardFails()
    {
        // Arrange
        var workload = new WordCountWorkload();
        var input = FileInput("data/gone.txt", ItemFormat.Text, 100);

        // Act & Assert
        await Assert.ThrowsAsync<FileNotFoundException>(() => _runner.RunAsync(workload, Shard(workload, input, 250, 1), 1, CancellationToken.None));
    }

    [Fact]
    public async Task RedriveAsync_ItemsFailedOnce_OnlyThoseRunAgainAndCountsMerge()
    {
        // Arrange: 30 lines "v00".."v29" of 4 bytes, 40 bytes per shard: shard n has v{10n}..v{10n+9}.
        var text = string.Concat(Enumerable.Range(0, 30).Select(i => string.Create(CultureInfo.InvariantCulture, $"v{i:00}\n")));
        await _blobs.WriteAsync("data/values.txt", BinaryData.FromString(text));
        var input = FileInput("data/values.txt", ItemFormat.Text, 40);
        var workload = new FailingItemsWorkload();
        workload.FailOn("v03", "v04", "v17");
        var first = new List<ShardResult>();
        for (var n = 0; n < 3; n++)
        {
            var (partial, counts) = await _runner.RunAsync(workload, Shard(workload, input, text.Length, n), n, CancellationToken.None);
            first.Add(new ShardResult(n, 1, ShardStatus.Succeeded, partial, 0, null, counts));
        }

        // v03 and v04 succeed the second time; v17 keeps failing.
        workload.FailOn("v17");

        // Act
        var (partial0, counts0) = await _runner.RedriveAsync(workload, Shard(workload, input, text.Length, 0, redrive: 1), first[0], CancellationToken.None);
        var (partial1, counts1) = await _runner.RedriveAsync(workload, Shard(workload, input, text.Length, 1, redrive: 1), first[1], CancellationToken.None);

        // Assert: the first run as set up.
        Assert.Equal((8L, 2L), (first[0].Items!.Succeeded, first[0].Items!.Failed));
        Assert.Equal((9L, 1L), (first[1].Items!.Succeeded, first[1].Items!.Failed));

        // Assert: counts merged; lines and bytes of the first run kept (the values came from the failed file).
        Assert.Equal((10L, 0L), (counts0.Succeeded, counts0.Failed));
        Assert.Equal((9L, 1L), (counts1.Succeeded, counts1.Failed));
        Assert.Equal((first[0].Items!.Lines, first[0].Items!.BytesRead), (counts0.Lines, counts0.BytesRead));

        // Assert: partials hold every value that succeeded, once.
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v{i:00}"), partial0.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(10, partial0.GetProperty("count").GetInt64());
        Assert.Equal(Enumerable.Range(10, 10).Where(i => i != 17).Select(i => $"v{i:00}"), partial1.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal));

        // Assert: only the failed items ran again.
        Assert.All(Enumerable.Range(0, 30).Select(i => $"v{i:00}"), key =>
            Assert.Equal(key is "v03" or "v04" or "v17" ? 2 : 1, workload.CallsOf(key)));

        // Assert: files. The retried failed file is kept and relabelled; the redrive writes its own files.
        Assert.Equal(
            [
                (JobBlobLayout.ItemFile(JobId, ItemFileKind.Succeeded, 0, 0), ItemFileKind.Succeeded, 8L),
                (JobBlobLayout.ItemFile(JobId, ItemFileKind.Failed, 0, 0), ItemFileKind.Retried, 2L),
                ($"results/{JobId}/items/succeeded-0.redrive-1.jsonl", ItemFileKind.Succeeded, 2L),
            ],
            counts0.Files.Select(f => (f.Path, f.Kind, f.Items)));
        Assert.Equal(
            [
                (JobBlobLayout.ItemFile(JobId, ItemFileKind.Succeeded, 1, 0), ItemFileKind.Succeeded, 9L),
                (JobBlobLayout.ItemFile(JobId, ItemFileKind.Failed, 1, 0), ItemFileKind.Retried, 1L),
                ($"results/{JobId}/items/failed-1.redrive-1.jsonl", ItemFileKind.Failed, 1L),
            ],
            counts1.Files.Select(f => (f.Path, f.Kind, f.Items)));
        Assert.True(_blobs.Contains(JobBlobLayout.ItemFile(JobId, ItemFileKind.Failed, 0, 0)));
        Assert.True(_blobs.Contains(JobBlobLayout.ItemFile(JobId, ItemFileKind.Failed, 1, 0)));

        // Assert: the redrive's lines keep each item's source as first recorded.
        var retried = ReadLines($"results/{JobId}/items/succeeded-0.redrive-1.jsonl");
        Assert.Equal([new ItemSource("data/values.txt", 12, 4), new ItemSource("data/values.txt", 16, 5)], retried.Select(SourceOf));
        var stillFailing = Assert.Single(ReadLines($"results/{JobId}/items/failed-1.redrive-1.jsonl"));
        Assert.Equal(new ItemSource("data/values.txt", 68, 8), SourceOf(stillFailing));
        Assert.Equal("v17", stillFailing.GetProperty("item").GetString());
        Assert.Contains("failed on purpose", stillFailing.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedriveAsync_SecondRedrive_RetriesTheFirstRedrivesFailedFile()
    {
        // Arrange: inline items; "b" fails twice, then succeeds.
        var workload = new FailingItemsWorkload();
        List<JsonElement> items = [JsonSerializer.SerializeToElement("a"), JsonSerializer.SerializeToElement("b"), JsonSerializer.SerializeToElement("c")];
        var input = new ItemInput(null, ItemFormat.Text, null, null, items, 10, ItemInput.DefaultMaxBytesPerShard);
        workload.FailOn("b");
        var (partial, counts) = await _runner.RunAsync(workload, Shard(workload, input, 0, 0), 0, CancellationToken.None);
        var (partial1, counts1) = await _runner.RedriveAsync(workload, Shard(workload, input, 0, 0, redrive: 1), new ShardResult(0, 1, ShardStatus.Succeeded, partial, 0, null, counts), CancellationToken.None);
        workload.FailOn();

        // Act
        var (partial2, counts2) = await _runner.RedriveAsync(workload, Shard(workload, input, 0, 0, redrive: 2), new ShardResult(0, 1, ShardStatus.Succeeded, partial1, 0, null, counts1), CancellationToken.None);

        // Assert
        Assert.Equal((2L, 1L), (counts1.Succeeded, counts1.Failed));
        Assert.Equal((3L, 0L), (counts2.Succeeded, counts2.Failed));
        Assert.Equal(
            [
                ("succeeded-0.jsonl", ItemFileKind.Succeeded),
                ("failed-0.jsonl", ItemFileKind.Retried),
                ("failed-0.redrive-1.jsonl", ItemFileKind.Retried),
                ("succeeded-0.redrive-2.jsonl", ItemFileKind.Succeeded),
            ],
            counts2.Files.Select(f => (f.Path[JobBlobLayout.ItemsFolder(JobId).Length..], f.Kind)));
        Assert.Equal(["a", "b", "c"], partial2.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(3, workload.CallsOf("b"));
        Assert.Equal(new ItemSource(null, Index: 1), SourceOf(Assert.Single(ReadLines($"results/{JobId}/items/succeeded-0.redrive-2.jsonl"))));
    }

    [Fact]
    public async Task RedriveAsync_UnreadableLineFixedInPlace_ReReadAtItsOffsetKeepingItsSource()
    {
        // Arrange: line 3 is not JSON; after the first run it is repaired with the same length.
        const string Good = """{"text": "alpha"}""" + "\n" + """{"text": "beta"}""" + "\n";
        const string Broken = """{"text": "gam}""" + "\n";
        const string Repaired = """{"text":"gam"}""" + "\n";
        const string Last = """{"text": "delta"}""" + "\n";
        Assert.Equal(Broken.Length, Repaired.Length);
        await _blobs.WriteAsync("data/r.jsonl", BinaryData.FromString(Good + Broken + Last));
        var size = Good.Length + Broken.Length + Last.Length;
        var input = FileInput("data/r.jsonl", ItemFormat.Jsonl, ItemInput.DefaultMaxBytesPerShard);
        var workload = new WordCountWorkload();
        var (partial, counts) = await _runner.RunAsync(workload, Shard(workload, input, size, 0), 0, CancellationToken.None);
        await _blobs.WriteAsync("data/r.jsonl", BinaryData.FromString(Good + Repaired + Last));

        // Act
        var (merged, redriven) = await _runner.RedriveAsync(workload, Shard(workload, input, size, 0, redrive: 1), new ShardResult(0, 1, ShardStatus.Succeeded, partial, 0, null, counts), CancellationToken.None);

        // Assert
        Assert.Equal((3L, 1L), (counts.Succeeded, counts.Failed));
        Assert.Equal((4L, 0L), (redriven.Succeeded, redriven.Failed));
        Assert.True(redriven.BytesRead > counts.BytesRead, "The re-read line's bytes count as read.");
        var line = Assert.Single(ReadLines($"results/{JobId}/items/succeeded-0.redrive-1.jsonl"));
        Assert.Equal(new ItemSource("data/r.jsonl", Good.Length, 3), SourceOf(line));
        Assert.Equal(1, line.GetProperty("result").GetProperty("words").GetInt32());
        Assert.Equal(4, merged.GetProperty("words").GetInt64());
        Assert.Equal(1, merged.GetProperty("counts").GetProperty("gam").GetInt64());
    }
}
