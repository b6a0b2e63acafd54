using System.Text;
using Serverless.Items;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Items;

/// <summary>Reads a blob the way shards do, range by range, and rebases line numbers as the engine does.</summary>
internal static class LineReads
{
    public const string Blob = "input/data.txt";

    public static async Task<InMemoryBlobStore> StoreWithAsync(byte[] data)
    {
        var store = new InMemoryBlobStore();
        await store.WriteAsync(Blob, BinaryData.FromBytes(data));
        return store;
    }

    public static Task<InMemoryBlobStore> StoreWithAsync(string text) => StoreWithAsync(Encoding.UTF8.GetBytes(text));

    public static async Task<(List<ItemRead> Reads, LineReadStats Stats)> ReadRangeAsync(InMemoryBlobStore store, ItemFormat format, CsvOptions? csv, ByteRange range)
    {
        var stats = new LineReadStats();
        var reads = await LineItemReader.ReadAsync(store, Blob, format, csv, range, stats).ToListAsync();
        return (reads, stats);
    }

    /// <summary>Every range's reads in order, each with its line number rebased by the prefix sum of earlier ranges' line counts.</summary>
    public static async Task<(List<(ItemRead Read, long Line)> Reads, List<LineReadStats> Stats)> ReadAllRangesAsync(
        InMemoryBlobStore store, ItemFormat format, CsvOptions? csv, long size, long maxBytesPerShard)
    {
        var reads = new List<(ItemRead, long)>();
        var stats = new List<LineReadStats>();
        var linesBefore = 0L;
        foreach (var range in ByteRanges.Split(size, maxBytesPerShard))
        {
            var (rangeReads, rangeStats) = await ReadRangeAsync(store, format, csv, range);
            reads.AddRange(rangeReads.Select(r => (r, (rangeStats.LinesAreAbsolute ? 0 : linesBefore) + r.Source.Line!.Value)));
            stats.Add(rangeStats);
            linesBefore += rangeStats.Lines;
        }

        return (reads, stats);
    }
}
