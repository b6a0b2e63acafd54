using System.Security.Cryptography;
using System.Text.Json;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Workloads;

public sealed class ChecksumWorkloadTests
{
    private static readonly ChecksumParameters Parameters = new();
    private readonly InMemoryBlobStore _blobs = new();
    private readonly ChecksumWorkload _workload;

    public ChecksumWorkloadTests()
    {
        _workload = new ChecksumWorkload(_blobs);
    }

    private static Item ListedItem(string path, long size, long index = 0) =>
        new(JsonSerializer.SerializeToElement(new ListedBlob(path, size), JobJson.Options), new ItemSource(path, Index: index));

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1_000)]
    [InlineData(4 << 20)]
    [InlineData((9 << 20) + 7)]
    public async Task ProcessAsync_ListedBlob_Sha256AndSizeOfItsBytes(int length)
    {
        // Arrange: sizes around the workload's 4 MiB read buffer.
        var data = RandomBytes(length, seed: length);
        const string Path = "backups/2026/data.bin";
        await _blobs.WriteAsync(Path, BinaryData.FromBytes(data));

        // Act
        var checksum = await _workload.ProcessAsync(ListedItem(Path, length), Parameters, CancellationToken.None);

        // Assert
        Assert.Equal(Path, checksum.Blob);
        Assert.Equal(length, checksum.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), checksum.Sha256);
    }

    [Fact]
    public async Task ProcessAsync_EmptyBlob_KnownDigestOfNothing()
    {
        // Arrange
        await _blobs.WriteAsync("backups/empty", BinaryData.Empty);

        // Act
        var checksum = await _workload.ProcessAsync(ListedItem("backups/empty", 0), Parameters, CancellationToken.None);

        // Assert: SHA-256 of the empty string (FIPS 180-4 test vector).
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", checksum.Sha256);
        Assert.Equal(0, checksum.Size);
    }

    [Fact]
    public async Task ProcessAsync_SizeInListingIsStale_ReportsTheSizeHashed()
    {
        // Arrange: the blob changed after the listing said 3 bytes.
        await _blobs.WriteAsync("backups/grew.txt", BinaryData.FromString("abcdef"));

        // Act
        var checksum = await _workload.ProcessAsync(ListedItem("backups/grew.txt", 3), Parameters, CancellationToken.None);

        // Assert
        Assert.Equal(6, checksum.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("abcdef"u8)), checksum.Sha256);
    }

    [Fact]
    public async Task ProcessAsync_InlinePathString_ChecksumsThatBlob()
    {
        // Arrange
        await _blobs.WriteAsync("data/a.txt", BinaryData.FromString("abc"));
        var item = new Item(JsonSerializer.SerializeToElement("data/a.txt"), new ItemSource(null, Index: 0));

        // Act
        var checksum = await _workload.ProcessAsync(item, Parameters, CancellationToken.None);

        // Assert: SHA-256("abc"), the FIPS 180-4 test vector.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", checksum.Sha256);
        Assert.Equal(3, checksum.Size);
    }

    [Fact]
    public async Task ProcessAsync_MissingBlob_ThrowsFileNotFound()
    {
        // Act & Assert
        var error = await Assert.ThrowsAsync<FileNotFoundException>(async () => await _workload.ProcessAsync(ListedItem("backups/gone.bin", 10), Parameters, CancellationToken.None));
        Assert.Contains("backups/gone.bin", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("""{ "size": 3 }""")]
    [InlineData("\"\"")]
    public async Task ProcessAsync_ItemNamesNoBlob_ThrowsInvalidData(string json)
    {
        // Arrange
        var item = new Item(JsonDocument.Parse(json).RootElement.Clone(), new ItemSource(null, Index: 0));

        // Act & Assert
        await Assert.ThrowsAsync<InvalidDataException>(async () => await _workload.ProcessAsync(item, Parameters, CancellationToken.None));
    }

    [Fact]
    public async Task RunItemsAsync_MissingBlobAmongOthers_ThatItemFailsTheRestSucceed()
    {
        // Arrange
        await _blobs.WriteAsync("backups/a", BinaryData.FromString("aaaa"));
        await _blobs.WriteAsync("backups/c", BinaryData.FromString("cc"));
        var items = new[] { ListedItem("backups/a", 4, 0), ListedItem("backups/b", 1, 1), ListedItem("backups/c", 2, 2) }
            .Select(i => new ItemRead(i, i.Source, null))
            .ToAsyncEnumerable();
        var sink = new RecordingSink();

        // Act
        var partial = await _workload.RunItemsAsync(items, new Dictionary<string, JsonElement>(), sink, CancellationToken.None);

        // Assert
        Assert.Equal(2, partial.GetProperty("blobs").GetInt64());
        Assert.Equal(6, partial.GetProperty("bytes").GetInt64());
        Assert.Equal(["backups/a", "backups/c"], sink.Succeeded.Select(s => s.Source.Blob));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("aaaa"u8)), sink.Succeeded[0].Result.GetProperty("sha256").GetString());
        Assert.Equal(4, sink.Succeeded[0].Result.GetProperty("size").GetInt64());
        var failed = Assert.Single(sink.Failed);
        Assert.Equal(new ItemSource("backups/b", Index: 1), failed.Source);
        Assert.Contains("FileNotFoundException", failed.Reason, StringComparison.Ordinal);
        Assert.Equal("backups/b", failed.Value!.Value.GetProperty("path").GetString());
    }

    [Fact]
    public async Task FinishAsync_Totals_PointToTheItemsFolder()
    {
        // Act
        var result = await _workload.FinishAsync(_workload.Combine(new ChecksumPartial(2, 10), new ChecksumPartial(3, 5)), Parameters, new JobContext("job-sum", 4), CancellationToken.None);

        // Assert
        Assert.Equal(new ChecksumResult(5, 15, JobBlobLayout.ItemsFolder("job-sum")), result);
    }

    private sealed class RecordingSink : IItemResultSink
    {
        public List<(ItemSource Source, JsonElement Result)> Succeeded { get; } = [];

        public List<(ItemSource Source, JsonElement? Value, string Reason)> Failed { get; } = [];

        public ValueTask SucceededAsync(ItemSource source, JsonElement result)
        {
            Succeeded.Add((source, result.Clone()));
            return ValueTask.CompletedTask;
        }

        public ValueTask FailedAsync(ItemSource source, JsonElement? value, string reason)
        {
            Failed.Add((source, value?.Clone(), reason));
            return ValueTask.CompletedTask;
        }
    }
}
