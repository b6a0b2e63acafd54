using System.Text;
using Serverless.Items;
using Serverless.Tests.TestSupport;
using static Serverless.Tests.Items.LineReads;

namespace Serverless.Tests.Items;

public sealed class LineItemReaderTests
{
    private static readonly string[] Words = ["alpha", "bravo", "x", "naïve", "日本語", "zebra-crossing", "é", "0"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public async Task ReadAsync_GeneratedTextInRanges_YieldsEveryNonEmptyLineOnceInOrderAtItsOffset(int rangeBytes)
    {
        // Arrange
        var (data, lines) = GenerateText(seed: 42, lineCount: 400);
        var store = await StoreWithAsync(data);
        var expected = lines.Where(l => l.Text.Length > 0).ToList();

        // Act
        var (reads, stats) = await ReadAllRangesAsync(store, ItemFormat.Text, null, data.Length, rangeBytes);

        // Assert: the concatenation over ranges is the file's non-empty lines, each once, in order.
        Assert.All(reads, r => Assert.Null(r.Read.Error));
        Assert.Equal(expected.Select(l => l.Text), reads.Select(r => r.Read.Item!.Value.GetString()));
        Assert.Equal(expected.Select(l => (long?)l.Offset), reads.Select(r => r.Read.Source.Offset));
        Assert.All(reads, r => Assert.Equal(Blob, r.Read.Source.Blob));
        Assert.All(reads, r => Assert.True(
            data.AsSpan((int)r.Read.Source.Offset!.Value).StartsWith(Encoding.UTF8.GetBytes(r.Read.Item!.Value.GetString()!)),
            $"The blob at {r.Read.Source.Offset} does not start with the line."));

        // Every line is counted once, so rebasing by prefix sums gives every line's number in the file.
        Assert.Equal(lines.Count, stats.Sum(s => s.Lines));
        Assert.Equal(expected.Select(l => l.Number), reads.Select(r => r.Line));
        Assert.True(stats[0].LinesAreAbsolute);
        Assert.All(stats.Skip(1), s => Assert.False(s.LinesAreAbsolute));
    }

    [Fact]
    public async Task ReadAsync_TwoRangesSplitAtEveryByte_EachLineWholeAndOnce()
    {
        // Arrange
        const string Text = "alpha\nbravo\r\ncharlie\n\ndelta";
        var store = await StoreWithAsync(Text);
        var expectedOffsets = new long?[] { 0, 6, 13, 22 };

        for (var cut = 0; cut <= Text.Length; cut++)
        {
            // Act
            var (first, firstStats) = await ReadRangeAsync(store, ItemFormat.Text, null, new ByteRange(0, cut));
            var (second, secondStats) = await ReadRangeAsync(store, ItemFormat.Text, null, new ByteRange(cut, Text.Length));
            var reads = first.Concat(second).ToList();

            // Assert
            Assert.Equal(["alpha", "bravo", "charlie", "delta"], reads.Select(r => r.Item!.Value.GetString()));
            Assert.Equal(expectedOffsets, reads.Select(r => r.Source.Offset));
            Assert.Equal(5, firstStats.Lines + secondStats.Lines);
        }
    }

    [Fact]
    public async Task ReadAsync_RangeStartsMidFile_LinesNumberedWithinTheRange()
    {
        // Arrange: the range starts just after "one\n", so its first line is "two" (line 2 of the file).
        var store = await StoreWithAsync("one\ntwo\n\nfour\n");

        // Act
        var (reads, stats) = await ReadRangeAsync(store, ItemFormat.Text, null, new ByteRange(4, 14));

        // Assert
        Assert.Equal(["two", "four"], reads.Select(r => r.Item!.Value.GetString()));
        Assert.Equal(new long?[] { 1, 3 }, reads.Select(r => r.Source.Line));
        Assert.Equal(3, stats.Lines);
        Assert.False(stats.LinesAreAbsolute);
    }

    [Fact]
    public async Task ReadAsync_EmptyBlob_YieldsNothing()
    {
        // Arrange
        var store = await StoreWithAsync([]);

        // Act
        var (reads, stats) = await ReadRangeAsync(store, ItemFormat.Text, null, ByteRanges.Split(0, 10)[0]);

        // Assert
        Assert.Empty(reads);
        Assert.Equal(0, stats.Lines);
        Assert.True(stats.LinesAreAbsolute);
    }

    [Fact]
    public async Task ReadAsync_MissingBlob_Throws()
    {
        // Arrange
        var store = new InMemoryBlobStore();

        // Act & Assert
        await Assert.ThrowsAsync<FileNotFoundException>(() => ReadRangeAsync(store, ItemFormat.Text, null, new ByteRange(0, 10)));
    }

    [Fact]
    public async Task ReadAsync_ByteOrderMark_DroppedFromTheFirstLine()
    {
        // Arrange
        var store = await StoreWithAsync([0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i', (byte)'\n', (byte)'b', (byte)'y', (byte)'e']);

        // Act
        var (reads, _) = await ReadRangeAsync(store, ItemFormat.Text, null, new ByteRange(0, 9));

        // Assert
        Assert.Equal(["hi", "bye"], reads.Select(r => r.Item!.Value.GetString()));
        Assert.Equal(new long?[] { 0, 6 }, reads.Select(r => r.Source.Offset));
    }

    [Fact]
    public async Task ReadAsync_InvalidUtf8_ErrorForThatLineOnly()
    {
        // Arrange
        var store = await StoreWithAsync([(byte)'o', (byte)'k', (byte)'\n', 0xC3, 0x28, (byte)'\n', (byte)'f', (byte)'i', (byte)'n', (byte)'e']);

        // Act
        var (reads, _) = await ReadRangeAsync(store, ItemFormat.Text, null, new ByteRange(0, 10));

        // Assert
        Assert.Equal(3, reads.Count);
        Assert.Equal("ok", reads[0].Item!.Value.GetString());
        Assert.Null(reads[1].Item);
        Assert.Equal("line is not valid UTF-8", reads[1].Error);
        Assert.Equal(new ItemSource(Blob, 3, 2), reads[1].Source);
        Assert.Equal("fine", reads[2].Item!.Value.GetString());
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1 << 20)]
    public async Task ReadAsync_LineLongerThanLimit_ErrorAndReadingContinues(int rangeBytes)
    {
        // Arrange
        var longLine = new string('x', LineItemReader.MaxLineBytes + 1);
        var data = Encoding.ASCII.GetBytes("first\n" + longLine + "\nlast\n");
        var store = await StoreWithAsync(data);

        // Act
        var (reads, stats) = await ReadAllRangesAsync(store, ItemFormat.Text, null, data.Length, rangeBytes);

        // Assert
        Assert.Equal(3, reads.Count);
        Assert.Equal("first", reads[0].Read.Item!.Value.GetString());
        Assert.Null(reads[1].Read.Item);
        Assert.Equal($"line is longer than {LineItemReader.MaxLineBytes} bytes", reads[1].Read.Error);
        Assert.Equal(6, reads[1].Read.Source.Offset);
        Assert.Equal(2, reads[1].Line);
        Assert.Equal("last", reads[2].Read.Item!.Value.GetString());
        Assert.Equal(6 + longLine.Length + 1, reads[2].Read.Source.Offset);
        Assert.Equal(3, reads[2].Line);
        Assert.Equal(3, stats.Sum(s => s.Lines));
    }

    [Fact]
    public async Task ReadAsync_LineAtTheLimitWithCrLf_Yielded()
    {
        // Arrange: the '\r' is not part of the line, so a line of exactly the limit is still read.
        var line = new string('y', LineItemReader.MaxLineBytes);
        var store = await StoreWithAsync(line + "\r\nnext");

        // Act
        var (reads, _) = await ReadRangeAsync(store, ItemFormat.Text, null, new ByteRange(0, line.Length + 6));

        // Assert
        Assert.Equal(2, reads.Count);
        Assert.Null(reads[0].Error);
        Assert.Equal(line.Length, reads[0].Item!.Value.GetString()!.Length);
        Assert.Equal("next", reads[1].Item!.Value.GetString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ReadAsync_RangeOfALargeFile_ReadsLittleBeyondTheRange(int quarter)
    {
        // Arrange: about 2 MB of lines, much more than the reader takes from the stream at a time.
        var (data, lines) = GenerateText(seed: 7, lineCount: 60_000);
        var store = await StoreWithAsync(data);
        var range = new ByteRange(data.Length / 4 * quarter, data.Length / 4 * (quarter + 1));
        var lastLine = lines.Last(l => l.Offset < range.End);
        var lastLineBytes = Encoding.UTF8.GetByteCount(lastLine.Text) + 2;

        // Act
        var (reads, stats) = await ReadRangeAsync(store, ItemFormat.Text, null, range);

        // Assert: it reads through its range and the end of its last line, plus at most one chunk past that line.
        Assert.True(data.Length > 8 * LineItemReader.ReadChunkSize, $"The file ({data.Length} bytes) is too small for this test.");
        Assert.Equal(lastLine.Text, reads.Last(r => r.Item is not null).Item!.Value.GetString());
        Assert.InRange(stats.BytesRead, range.Length, range.Length + lastLineBytes + 1 + LineItemReader.ReadChunkSize);
    }

    [Fact]
    public async Task ReadAsync_WholeFile_ReadsEveryByteOnce()
    {
        // Arrange
        var (data, _) = GenerateText(seed: 3, lineCount: 5_000);
        var store = await StoreWithAsync(data);

        // Act
        var (_, stats) = await ReadRangeAsync(store, ItemFormat.Text, null, new ByteRange(0, data.Length));

        // Assert
        Assert.Equal(data.Length, stats.BytesRead);
    }

    /// <summary>
    /// Random lines of random words (some non-ASCII, so bytes and characters differ), some empty, some ending in
    /// "\r\n"; the last one has no newline. Returns each line's text, byte offset and 1-based number.
    /// </summary>
    private static (byte[] Data, List<(string Text, long Offset, long Number)> Lines) GenerateText(int seed, int lineCount)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        var lines = new List<(string, long, long)>();
        var offset = 0L;
        for (var number = 1; number <= lineCount; number++)
        {
            var wordCount = random.Next(10) switch
            {
                0 => 0,
                1 => random.Next(20, 60),
                _ => random.Next(1, 8),
            };
            var line = number == lineCount && wordCount == 0
                ? "end"
                : string.Join(' ', Enumerable.Range(0, wordCount).Select(_ => Words[random.Next(Words.Length)]));
            var ending = number == lineCount ? string.Empty : random.Next(3) == 0 ? "\r\n" : "\n";
            lines.Add((line, offset, number));
            text.Append(line).Append(ending);
            offset += Encoding.UTF8.GetByteCount(line) + ending.Length;
        }

        return (Encoding.UTF8.GetBytes(text.ToString()), lines);
    }
}
