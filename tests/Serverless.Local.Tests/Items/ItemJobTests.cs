using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Local.Tests.Fixtures;
using Xunit.Abstractions;

namespace Serverless.Local.Tests.Items;

/// <summary>Item jobs end to end on Azurite: files cut into byte ranges, listings, per-item result files and redrive.</summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ItemJobTests : HostedTest
{
    private const string InputContainer = "inputs";
    private static readonly string[] Hamlet = ["to be or not to be", "that is the question"];
    private readonly ITestOutputHelper _output;
    private readonly string _folder = Guid.NewGuid().ToString("N");

    public ItemJobTests(AzuriteFixture azurite, ITestOutputHelper output)
        : base(azurite)
    {
        _output = output;
    }

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex LetterRuns();

    private BlobContainerClient Inputs => new BlobServiceClient(Host.Host.ConnectionString).GetBlobContainerClient(InputContainer);

    /// <summary>Uploads <paramref name="data"/> as <c>inputs/{test folder}/{name}</c> and returns that path.</summary>
    private async Task<string> UploadAsync(string name, byte[] data)
    {
        await Inputs.CreateIfNotExistsAsync();
        await Inputs.GetBlobClient($"{_folder}/{name}").UploadAsync(BinaryData.FromBytes(data), overwrite: true);
        return $"{InputContainer}/{_folder}/{name}";
    }

    private static string ManifestPath(JsonElement status) => status.GetProperty("blobs").GetProperty("manifest").GetString()!;

    private async Task<List<JsonElement>> ReadLinesAsync(string path) =>
        [.. (await Host.ReadBlobBytesAsync(path)).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private async Task<List<JsonElement>> ReadFilesAsync(JobManifest manifest, ItemFileKind kind)
    {
        var lines = new List<JsonElement>();
        foreach (var file in manifest.Items!.Files.Where(f => f.Kind == kind))
        {
            lines.AddRange(await ReadLinesAsync(file.Path));
        }

        return lines;
    }

    private static ItemSource SourceOf(JsonElement line) => line.GetProperty("source").Deserialize<ItemSource>(JobJson.Options)!;

    [Fact]
    public async Task WordCount_TextOverManyShards_EqualsIndependentCountAndStraddlingWordCountedOnce()
    {
        // Arrange: ~3 MB of text in 256 KiB ranges. Before every range boundary a line is padded so that the word
        // "naïvestraddle" starts 3 bytes before the boundary: the boundary cuts the word, inside its two-byte "ï".
        const int RangeBytes = 256 * 1024;
        const int TargetBytes = 3_000_000;
        const string Straddler = "naïvestraddle";
        string[] vocabulary = ["alpha", "Beta", "GAMMA", "delta", "épée", "Ωmega", "straße", "don't", "x1y2", "123", "co-op", "naïve", "東京", "Kyiv", "e.g."];
        var random = new Random(2026);
        var text = new MemoryStream();
        var lineCount = 0;
        var nonEmptyLines = 0;
        var straddlers = 0;
        for (long next = RangeBytes; text.Length < TargetBytes; lineCount++)
        {
            string line;
            if (text.Length + 200 >= next - 3 && next < TargetBytes)
            {
                line = new string(' ', (int)(next - 3 - text.Length)) + Straddler + " alpha";
                next += RangeBytes;
                straddlers++;
            }
            else
            {
                var words = random.Next(0, 8) == 0 ? 0 : random.Next(1, 15);
                line = string.Join(random.Next(2) == 0 ? " " : ", ", Enumerable.Range(0, words).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
            }

            nonEmptyLines += line.Length > 0 ? 1 : 0;
            text.Write(Encoding.UTF8.GetBytes(line + (random.Next(10) == 0 ? "\r\n" : "\n")));
        }

        var data = text.ToArray();
        var blob = await UploadAsync("book.txt", data);
        var expected = LetterRuns().Matches(Encoding.UTF8.GetString(data)).GroupBy(m => m.Value.ToLowerInvariant(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        var shards = (data.Length + RangeBytes - 1) / RangeBytes;
        Assert.Equal(shards - 1, straddlers);
        Assert.True(shards >= 8, $"Only {shards} shards.");
        for (var boundary = RangeBytes; boundary < data.Length; boundary += RangeBytes)
        {
            Assert.Equal(Encoding.UTF8.GetBytes(Straddler), data.AsSpan(boundary - 3, Encoding.UTF8.GetByteCount(Straddler)).ToArray());
        }

        // Act
        var job = await Host.SubmitAsync(new { workload = "wordcount", input = new { blob }, maxBytesPerShard = RangeBytes, maxParallelism = 4, parameters = new { topK = 1000 } });
        var status = await Host.WaitAsync(job.Id);

        // Assert: the result is the independent count, word for word.
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var result = JsonDocument.Parse(await Host.Http.GetStringAsync(job.ResultGetUri)).RootElement.GetProperty("result");
        var counted = result.GetProperty("top").EnumerateArray().ToDictionary(w => w.GetProperty("word").GetString()!, w => w.GetProperty("count").GetInt64(), StringComparer.Ordinal);
        Assert.Equal(expected, counted);
        Assert.Equal(expected.Values.Sum(), result.GetProperty("totalWords").GetInt64());
        Assert.Equal(expected.Count, result.GetProperty("distinctWords").GetInt64());
        Assert.Equal(straddlers, counted[Straddler]);

        // Assert: the manifest: every shard, every line once.
        var manifest = await Host.ReadBlobAsync<JobManifest>(ManifestPath(status));
        Assert.Equal(shards, manifest.TotalShards);
        Assert.Equal(Enumerable.Range(0, shards), manifest.Shards.Select(s => s.Index));
        var items = manifest.Items!;
        Assert.Equal((nonEmptyLines, nonEmptyLines, 0L, (long)data.Length), (items.Total, items.Succeeded, items.Failed, items.InputBytes));
        Assert.Equal(lineCount, manifest.Shards.Sum(s => s.Items!.Lines));
        Assert.Equal(lineCount, items.Lines!.Sum(l => l.Lines));
        Assert.DoesNotContain(items.Files, f => f.Kind != ItemFileKind.Succeeded);
    }

    [Fact]
    public async Task LineSummary_JsonlOver200MB_EachShardReadsItsRangeAndMemoryStaysFlat()
    {
        // Arrange: at least 200 MiB of JSONL lines {"n": k, "pad": "..."} of 1 to 4 KB, streamed into the blob.
        const long TargetBytes = 200L << 20;
        const long ShardBytes = 16L << 20;
        var clock = Stopwatch.StartNew();
        await Inputs.CreateIfNotExistsAsync();
        var name = $"{_folder}/big.jsonl";
        var (size, lines, sum) = await WriteJsonlAsync(Inputs.GetBlobClient(name), TargetBytes);
        _output.WriteLine($"Wrote {size:N0} bytes, {lines:N0} lines in {clock.Elapsed.TotalSeconds:0.0} s.");
        var shards = (int)((size + ShardBytes - 1) / ShardBytes);

        using var process = Process.GetCurrentProcess();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        process.Refresh();
        var (baseline, peakBefore) = (process.WorkingSet64, process.PeakWorkingSet64);
        using var sampling = new CancellationTokenSource();
        var sampler = SampleWorkingSetAsync(sampling.Token);

        // Act
        clock.Restart();
        var job = await Host.SubmitAsync(new { workload = LineSummaryWorkload.WorkloadName, input = new { blob = $"{InputContainer}/{name}" }, maxBytesPerShard = ShardBytes, maxParallelism = 4 });
        var status = await Host.WaitAsync(job.Id, TimeSpan.FromSeconds(240));
        await sampling.CancelAsync();
        var highest = await sampler;
        process.Refresh();
        var peakAfter = process.PeakWorkingSet64;
        _output.WriteLine($"Job took {clock.Elapsed.TotalSeconds:0.0} s; working set {baseline / 1e6:0} MB before, at most {highest / 1e6:0} MB during; peak {peakBefore / 1e6:0} → {peakAfter / 1e6:0} MB.");

        // Assert: every line once.
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var result = status.GetProperty("output").GetProperty("result");
        Assert.Equal(lines, result.GetProperty("lines").GetInt64());
        Assert.Equal(sum, result.GetProperty("sum").GetInt64());
        var manifest = await Host.ReadBlobAsync<JobManifest>(ManifestPath(status));
        Assert.Equal((lines, lines, 0L, size), (manifest.Items!.Total, manifest.Items.Succeeded, manifest.Items.Failed, manifest.Items.InputBytes));

        // Assert: each shard read its own range (and at most a little past it), so the whole file was read about once.
        Assert.Equal(shards, manifest.Shards.Count);
        foreach (var shard in manifest.Shards)
        {
            var rangeLength = Math.Min(size, (shard.Index + 1) * ShardBytes) - (shard.Index * ShardBytes);
            Assert.InRange(shard.Items!.BytesRead, rangeLength, rangeLength + (1 << 20));
        }

        var bytesRead = manifest.Shards.Sum(s => s.Items!.BytesRead);
        Assert.InRange(bytesRead, size, size + (shards * (1L << 20)));

        // Assert: memory stayed flat while 200 MiB went through the in-process host.
        Assert.True(highest - baseline < 100_000_000, $"The working set grew by {(highest - baseline) / 1e6:0} MB while the job ran.");
        Assert.True(peakAfter - peakBefore < 100_000_000, $"The peak working set grew by {(peakAfter - peakBefore) / 1e6:0} MB while the job ran.");
    }

    /// <summary>Streams JSONL lines into the blob until it holds at least <paramref name="targetBytes"/>; never more than a buffer in memory.</summary>
    private static async Task<(long Size, long Lines, long Sum)> WriteJsonlAsync(BlobClient blob, long targetBytes)
    {
        var pad = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 120)));
        var buffer = new byte[1 << 20];
        var used = 0;
        long size = 0, lines = 0, sum = 0;
        var stream = await blob.OpenWriteAsync(overwrite: true, new BlobOpenWriteOptions { BufferSize = 8 << 20 });
        await using (stream)
        {
            while (size < targetBytes)
            {
                var n = lines;
                var padLength = 1_000 + (int)(n * 7919 % 3_000);
                if (used + padLength + 64 > buffer.Length)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, used));
                    used = 0;
                }

                var start = used;
                used += Copy("{\"n\":"u8, buffer, used);
                Utf8Formatter.TryFormat(n, buffer.AsSpan(used), out var digits);
                used += digits;
                used += Copy(",\"pad\":\""u8, buffer, used);
                used += Copy(pad.AsSpan(0, padLength), buffer, used);
                used += Copy("\"}\n"u8, buffer, used);
                size += used - start;
                sum += n;
                lines++;
            }

            await stream.WriteAsync(buffer.AsMemory(0, used));
        }

        return (size, lines, sum);

        static int Copy(ReadOnlySpan<byte> source, byte[] target, int at)
        {
            source.CopyTo(target.AsSpan(at));
            return source.Length;
        }
    }

    /// <summary>The highest working set seen, sampled every 50 ms until canceled.</summary>
    private static async Task<long> SampleWorkingSetAsync(CancellationToken cancellationToken)
    {
        using var process = Process.GetCurrentProcess();
        long highest = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            process.Refresh();
            highest = Math.Max(highest, process.WorkingSet64);
            try
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        process.Refresh();
        return Math.Max(highest, process.WorkingSet64);
    }

    [Fact]
    public async Task WordCount_CsvWithMalformedRowMidFile_ThatRowFailsAtItsAbsoluteLineAndOffset()
    {
        // Arrange: a header and ~30,000 rows in 64 KiB ranges; one row in the middle has two fields instead of three.
        const int RangeBytes = 64 * 1024;
        const int Rows = 30_000;
        const int BadLine = 15_123;
        var csv = new StringBuilder("id,name,text\n");
        long badOffset = -1;
        long expectedWords = 0;
        for (var line = 2; line <= Rows + 1; line++)
        {
            if (line == BadLine)
            {
                badOffset = Encoding.UTF8.GetByteCount(csv.ToString());
                csv.Append(CultureInfo.InvariantCulture, $"{line},just two fields\n");
                continue;
            }

            var words = line % 3 == 0 ? "alpha beta" : "alpha, beta; gamma";
            expectedWords += line % 3 == 0 ? 2 : 3;
            csv.Append(CultureInfo.InvariantCulture, $"{line},\"Name {line}, Jr.\",\"{words}\"\n");
        }

        var data = Encoding.UTF8.GetBytes(csv.ToString());
        var blob = await UploadAsync("rows.csv", data);
        var shards = (data.Length + RangeBytes - 1) / RangeBytes;
        Assert.InRange(badOffset / RangeBytes, 1, shards - 2);

        // Act
        var job = await Host.SubmitAsync(new { workload = "wordcount", input = new { blob }, maxBytesPerShard = RangeBytes, maxParallelism = 4, toleratedFailurePercent = 1 });
        var status = await Host.WaitAsync(job.Id);

        // Assert: the job completes, flagged; only that row failed.
        Assert.Equal("CompletedWithFailures", status.GetProperty("phase").GetString());
        Assert.Contains($"1 of {Rows} items failed", status.GetProperty("error").GetString(), StringComparison.Ordinal);
        var manifest = await Host.ReadBlobAsync<JobManifest>(ManifestPath(status));
        Assert.Equal(shards, manifest.TotalShards);
        Assert.Equal(((long)Rows, Rows - 1L, 1L), (manifest.Items!.Total, manifest.Items.Succeeded, manifest.Items.Failed));
        var failed = Assert.Single(await ReadFilesAsync(manifest, ItemFileKind.Failed));
        var source = SourceOf(failed);
        Assert.Equal((blob, (long?)badOffset, (long?)BadLine), (source.Blob, source.Offset, source.Line));
        Assert.Equal("row has 2 fields, the header has 3", failed.GetProperty("error").GetString());
        Assert.False(failed.TryGetProperty("item", out _));
        var failedFile = Assert.Single(manifest.Items.Files, f => f.Kind == ItemFileKind.Failed);
        Assert.Equal($"results/{job.Id}/items/failed-{badOffset / RangeBytes}.jsonl", failedFile.Path);
        Assert.False(failedFile.RelativeLines);
        var result = status.GetProperty("output").GetProperty("result");
        Assert.Equal(expectedWords, result.GetProperty("totalWords").GetInt64());
    }

    [Fact]
    public async Task Redrive_AfterTransientItemFailures_OnlyFailedItemsRunAgainAndEveryItemSucceedsOnce()
    {
        // Arrange: 400 lines "item-0000".."item-0399" (10 bytes each) in 512-byte ranges; every 25th item fails on its first try.
        const int Count = 400;
        const int RangeBytes = 512;
        var keys = Enumerable.Range(0, Count).Select(i => string.Create(CultureInfo.InvariantCulture, $"item-{i:0000}")).ToList();
        var flaky = keys.Where((_, i) => i % 25 == 7).ToList();
        var blob = await UploadAsync("keys.txt", Encoding.UTF8.GetBytes(string.Concat(keys.Select(k => k + "\n"))));
        var flakyShards = flaky.Select(k => keys.IndexOf(k) * 10 / RangeBytes).Distinct().Order().ToList();

        // Act: the first run.
        var job = await Host.SubmitAsync(new { workload = OnceFlakyItemWorkload.WorkloadName, input = new { blob }, maxBytesPerShard = RangeBytes, toleratedFailurePercent = 10, speculation = "off", parameters = new { fail = flaky } });
        var first = await Host.WaitAsync(job.Id);
        var firstManifest = await Host.ReadBlobAsync<JobManifest>(ManifestPath(first));

        // Act: the redrive.
        using var redrive = await Host.Http.PostAsync($"api/jobs/{job.Id}/redrive", null);
        var second = await WaitForRedriveAsync(job.Id, first.GetProperty("createdTime").GetDateTimeOffset());
        var manifest = await Host.ReadBlobAsync<JobManifest>(ManifestPath(second));

        // Assert: the first run completed with the flaky items failed.
        Assert.Equal("CompletedWithFailures", first.GetProperty("phase").GetString());
        Assert.Equal((0, (long)Count, (long)flaky.Count), (firstManifest.Redrives, firstManifest.Items!.Total, firstManifest.Items.Failed));

        // Assert: the redrive was accepted and completed the job on the same id.
        Assert.Equal(HttpStatusCode.Accepted, redrive.StatusCode);
        Assert.Equal("Completed", second.GetProperty("phase").GetString());
        Assert.Equal(job.Id, second.GetProperty("instanceId").GetString());
        Assert.Equal(Count, second.GetProperty("output").GetProperty("result").GetInt64());
        Assert.Equal(1, manifest.Redrives);
        Assert.Equal(((long)Count, (long)Count, 0L), (manifest.Items!.Total, manifest.Items.Succeeded, manifest.Items.Failed));

        // Assert: across every succeeded file, every item once, at its own offset.
        var succeeded = await ReadFilesAsync(manifest, ItemFileKind.Succeeded);
        Assert.Equal(Count, succeeded.Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i * 10L), succeeded.Select(l => SourceOf(l).Offset!.Value).Order());
        Assert.All(succeeded, l => Assert.Equal(keys[(int)(SourceOf(l).Offset!.Value / 10)], l.GetProperty("result").GetProperty("key").GetString()));

        // Assert: the redrive's own files hold the flaky items, with lines counted from the file's start.
        var redriven = manifest.Items.Files.Where(f => f.Path.EndsWith(".redrive-1.jsonl", StringComparison.Ordinal)).ToList();
        Assert.All(redriven, f => Assert.Equal(ItemFileKind.Succeeded, f.Kind));
        Assert.Equal(flakyShards.Select(n => $"results/{job.Id}/items/succeeded-{n}.redrive-1.jsonl"), redriven.Select(f => f.Path));
        var redrivenLines = new List<JsonElement>();
        foreach (var file in redriven)
        {
            redrivenLines.AddRange(await ReadLinesAsync(file.Path));
        }

        Assert.Equal(flaky, redrivenLines.Select(l => l.GetProperty("result").GetProperty("key").GetString()).Order(StringComparer.Ordinal));
        Assert.All(redrivenLines, l => Assert.Equal(keys.IndexOf(l.GetProperty("result").GetProperty("key").GetString()!) + 1, SourceOf(l).Line));

        // Assert: the failed files of the first run are kept, listed as retried.
        var retried = manifest.Items.Files.Where(f => f.Kind == ItemFileKind.Retried).ToList();
        Assert.Equal(flakyShards.Select(n => $"results/{job.Id}/items/failed-{n}.jsonl"), retried.Select(f => f.Path));
        Assert.Equal(flaky.Count, retried.Sum(f => f.Items));
        foreach (var file in retried)
        {
            Assert.True(await Host.BlobExistsAsync(file.Path), $"{file.Path} was deleted.");
        }

        // Assert: items that succeeded the first time were not processed again.
        Assert.Equal(keys.Order(StringComparer.Ordinal), Host.OnceFlaky.Calls.Keys.Order(StringComparer.Ordinal));
        Assert.All(keys, k => Assert.Equal(flaky.Contains(k) ? 2 : 1, Host.OnceFlaky.Calls[k]));

        // Assert: with nothing failed any more, another redrive is refused.
        using var again = await Host.Http.PostAsync($"api/jobs/{job.Id}/redrive", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Redrive_JobWithNothingFailed_Returns409ProblemAndUnknownJob404()
    {
        // Arrange
        var job = await Host.SubmitAsync(new { workload = "wordcount", input = new { items = Hamlet } });
        var status = await Host.WaitAsync(job.Id);

        // Act
        using var redrive = await Host.Http.PostAsync($"api/jobs/{job.Id}/redrive", null);
        using var unknown = await Host.Http.PostAsync("api/jobs/no-such-job/redrive", null);

        // Assert
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        Assert.Equal(HttpStatusCode.Conflict, redrive.StatusCode);
        Assert.Equal("application/problem+json", redrive.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await redrive.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Nothing to redrive.", problem.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var manifest = await Host.ReadBlobAsync<JobManifest>(ManifestPath(status));
        Assert.Equal(0, manifest.Redrives);
        Assert.Equal(10, status.GetProperty("output").GetProperty("result").GetProperty("totalWords").GetInt64());
    }

    /// <summary>Waits until the job's new run (created after <paramref name="firstCreated"/>) has finished.</summary>
    private async Task<JsonElement> WaitForRedriveAsync(string jobId, DateTimeOffset firstCreated)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var status = await Host.GetStatusAsync(jobId);
            if (status.GetProperty("createdTime").GetDateTimeOffset() != firstCreated
                && status.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" or "Terminated")
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The redrive of job {jobId} did not finish in time; last status: {status}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Checksum_PrefixOfSmallBlobs_EverySha256AndSizeMatch()
    {
        // Arrange: 20 blobs of 0 to ~5 KB under one prefix, and one beside it that the listing must leave out.
        var contents = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var random = new Random(5);
        for (var i = 0; i < 20; i++)
        {
            var bytes = new byte[i == 4 ? 0 : random.Next(1, 5_000)];
            random.NextBytes(bytes);
            contents[await UploadAsync($"drop/part-{i:00}.bin", bytes)] = bytes;
        }

        await UploadAsync("dropped.txt", "not under the prefix"u8.ToArray());

        // Act
        var job = await Host.SubmitAsync(new { workload = "checksum", input = new { prefix = $"{InputContainer}/{_folder}/drop/" }, maxItemsPerShard = 3, maxParallelism = 4 });
        var status = await Host.WaitAsync(job.Id);

        // Assert: totals.
        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var result = status.GetProperty("output").GetProperty("result");
        Assert.Equal(20, result.GetProperty("blobs").GetInt64());
        Assert.Equal(contents.Values.Sum(b => (long)b.Length), result.GetProperty("bytes").GetInt64());
        Assert.Equal($"results/{job.Id}/items/", result.GetProperty("checksums").GetString());
        var manifest = await Host.ReadBlobAsync<JobManifest>(ManifestPath(status));
        Assert.Equal(7, manifest.TotalShards);
        Assert.Equal((20L, 20L, 0L), (manifest.Items!.Total, manifest.Items.Succeeded, manifest.Items.Failed));

        // Assert: one line per blob, in listing order, with the digest computed here.
        var lines = await ReadFilesAsync(manifest, ItemFileKind.Succeeded);
        var names = contents.Keys.ToList();
        Assert.Equal(names.Select((path, i) => new ItemSource(path, Index: i)), lines.Select(SourceOf));
        foreach (var line in lines)
        {
            var checksum = line.GetProperty("result");
            var bytes = contents[checksum.GetProperty("blob").GetString()!];
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), checksum.GetProperty("sha256").GetString());
            Assert.Equal(bytes.Length, checksum.GetProperty("size").GetInt64());
        }
    }
}
