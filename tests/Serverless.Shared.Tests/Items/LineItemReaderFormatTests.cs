using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Items;
using static Serverless.Tests.Items.LineReads;

namespace Serverless.Tests.Items;

public sealed class LineItemReaderFormatTests
{
    [Fact]
    public async Task ReadAsync_JsonlWithAnInvalidLine_OneErrorAndTheRestParsed()
    {
        // Arrange
        const string Text = "{\"id\":1}\nnot json\n[1, 2]\n\n\"text\"\r\n{\"a\":1} x\n{\"id\":2}";
        var store = await StoreWithAsync(Text);

        // Act
        var (reads, stats) = await ReadRangeAsync(store, ItemFormat.Jsonl, null, new ByteRange(0, Text.Length));

        // Assert
        Assert.Equal(6, reads.Count);
        Assert.Equal(7, stats.Lines);
        Assert.Equal(1, reads[0].Item!.Value.GetProperty("id").GetInt32());
        Assert.Null(reads[1].Item);
        Assert.StartsWith("line is not valid JSON: ", reads[1].Error, StringComparison.Ordinal);
        Assert.Equal(new ItemSource(Blob, Offset: 9, Line: 2), reads[1].Source);
        Assert.Equal([1, 2], reads[2].Item!.Value.EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("text", reads[3].Item!.Value.GetString());
        Assert.Equal(new ItemSource(Blob, Offset: 26, Line: 5), reads[3].Source);
        Assert.StartsWith("line is not valid JSON: ", reads[4].Error, StringComparison.Ordinal);
        Assert.Equal(new ItemSource(Blob, Offset: 34, Line: 6), reads[4].Source);
        Assert.Equal(2, reads[5].Item!.Value.GetProperty("id").GetInt32());
        Assert.Equal(new ItemSource(Blob, Offset: 44, Line: 7), reads[5].Source);
    }

    [Fact]
    public async Task ReadAsync_JsonlInSmallRanges_ErrorRebasesToItsLine()
    {
        // Arrange
        var lines = Enumerable.Range(1, 30).Select(i => i == 17 ? "{broken" : $"{{\"n\":{i}}}").ToList();
        var text = string.Join('\n', lines) + "\n";
        var store = await StoreWithAsync(text);

        // Act
        var (reads, _) = await ReadAllRangesAsync(store, ItemFormat.Jsonl, null, text.Length, 10);

        // Assert
        Assert.Equal(30, reads.Count);
        var error = Assert.Single(reads, r => r.Read.Error is not null);
        Assert.Equal(17, error.Line);
        Assert.Equal(lines.Take(16).Sum(l => l.Length + 1), error.Read.Source.Offset);
        Assert.All(reads.Where(r => r.Read.Error is null), r => Assert.Equal(r.Line, r.Read.Item!.Value.GetProperty("n").GetInt64()));
    }

    [Fact]
    public async Task ReadAsync_CsvWithHeaderAndQuotedFields_ObjectsOfTheColumns()
    {
        // Arrange
        const string Text = "name,quote,n\r\n\"Smith, John\",\"He said \"\"hi\"\"\",1\r\nplain,,2\n";
        var store = await StoreWithAsync(Text);

        // Act
        var (reads, stats) = await ReadRangeAsync(store, ItemFormat.Csv, new CsvOptions(), new ByteRange(0, Text.Length));

        // Assert: the header is counted as line 1 but is not an item.
        Assert.Equal(3, stats.Lines);
        Assert.Equal(2, reads.Count);
        Assert.Equal([("name", "Smith, John"), ("quote", "He said \"hi\""), ("n", "1")], Columns(reads[0]));
        Assert.Equal(new ItemSource(Blob, Offset: 14, Line: 2), reads[0].Source);
        Assert.Equal([("name", "plain"), ("quote", ""), ("n", "2")], Columns(reads[1]));
        Assert.Equal(new ItemSource(Blob, Offset: 48, Line: 3), reads[1].Source);
    }

    [Fact]
    public async Task ReadAsync_CsvWithSemicolons_SplitsOnTheDelimiter()
    {
        // Arrange
        const string Text = "a;b\n1;\"x;y\"\n\"q\"\"\";\n";
        var store = await StoreWithAsync(Text);

        // Act
        var (reads, _) = await ReadRangeAsync(store, ItemFormat.Csv, new CsvOptions(';'), new ByteRange(0, Text.Length));

        // Assert
        Assert.Equal(2, reads.Count);
        Assert.Equal([("a", "1"), ("b", "x;y")], Columns(reads[0]));
        Assert.Equal([("a", "q\""), ("b", "")], Columns(reads[1]));
    }

    [Fact]
    public async Task ReadAsync_CsvWithoutHeader_ArraysOfFields()
    {
        // Arrange
        const string Text = "1,2\n\"a,b\",c,\"\"\n";
        var store = await StoreWithAsync(Text);

        // Act
        var (reads, stats) = await ReadRangeAsync(store, ItemFormat.Csv, new CsvOptions(Header: false), new ByteRange(0, Text.Length));

        // Assert: rows may differ in length when there is no header to compare with.
        Assert.Equal(2, stats.Lines);
        Assert.Equal(["1", "2"], Fields(reads[0]));
        Assert.Equal(new ItemSource(Blob, Offset: 0, Line: 1), reads[0].Source);
        Assert.Equal(["a,b", "c", ""], Fields(reads[1]));
    }

    [Fact]
    public async Task ReadAsync_CsvMalformedRows_OneErrorEachAndTheRestSucceed()
    {
        // Arrange
        string[] lines = ["a,b,c", "1,2,3", "1,2", "\"x,1,2", "\"x\"y,1,2", "4,5,6"];
        var text = string.Join('\n', lines);
        var store = await StoreWithAsync(text);

        // Act
        var (reads, _) = await ReadRangeAsync(store, ItemFormat.Csv, null, new ByteRange(0, text.Length));

        // Assert
        Assert.Equal(
            [
                (2L, (string?)null),
                (3L, "row has 2 fields, the header has 3"),
                (4L, "unterminated quoted field"),
                (5L, "field 1 has text after its closing quote"),
                (6L, null),
            ],
            reads.Select(r => (r.Source.Line!.Value, r.Error)));
        Assert.All(reads.Where(r => r.Error is not null), r => Assert.Null(r.Item));
        Assert.Equal([("a", "1"), ("b", "2"), ("c", "3")], Columns(reads[0]));
        Assert.Equal([("a", "4"), ("b", "5"), ("c", "6")], Columns(reads[4]));
        Assert.Equal(lines.Take(3).Sum(l => l.Length + 1), reads[2].Source.Offset);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(100)]
    public async Task ReadAsync_CsvRangesStartingMidFile_ReadTheHeaderFromTheStart(int rangeBytes)
    {
        // Arrange
        var rows = Enumerable.Range(1, 50).Select(i => (Id: i.ToString(CultureInfo.InvariantCulture), Name: $"name {i}")).ToList();
        var text = "id,name\n" + string.Concat(rows.Select(r => $"{r.Id},\"{r.Name}\"\n"));
        var store = await StoreWithAsync(text);

        // Act
        var (reads, stats) = await ReadAllRangesAsync(store, ItemFormat.Csv, new CsvOptions(), text.Length, rangeBytes);

        // Assert
        Assert.Equal(rows.Select(r => new[] { ("id", r.Id), ("name", r.Name) }), reads.Select(Columns));
        Assert.Equal(Enumerable.Range(2, 50).Select(i => (long)i), reads.Select(r => r.Line));
        Assert.Equal(51, stats.Sum(s => s.Lines));
    }

    [Fact]
    public async Task ReadAsync_CsvDuplicateAndEmptyHeaderNames_MadeUnique()
    {
        // Arrange
        const string Text = "a,a,,b,a_2\n1,2,3,4,5\n";
        var store = await StoreWithAsync(Text);

        // Act
        var (reads, _) = await ReadRangeAsync(store, ItemFormat.Csv, null, new ByteRange(0, Text.Length));

        // Assert
        Assert.Equal([("a", "1"), ("a_2", "2"), ("column_3", "3"), ("b", "4"), ("a_2_2", "5")], Columns(Assert.Single(reads)));
    }

    [Fact]
    public async Task ReadAsync_CsvInvalidHeader_EveryRowFailsWithTheHeaderProblem()
    {
        // Arrange
        const string Text = "\"a,b\n1,2\n3,4\n";
        var store = await StoreWithAsync(Text);

        // Act
        var (reads, _) = await ReadAllRangesAsync(store, ItemFormat.Csv, null, Text.Length, 6);

        // Assert
        Assert.Equal(2, reads.Count);
        Assert.All(reads, r => Assert.Equal("the CSV header cannot be read: unterminated quoted field", r.Read.Error));
    }

    [Fact]
    public async Task ReadAsync_CsvHeaderWithByteOrderMark_FirstColumnNamedWithoutIt()
    {
        // Arrange
        var data = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("name\nAda\nGrace\n")).ToArray();
        var store = await StoreWithAsync(data);

        // Act: one range holds the header, the other reads it separately.
        var (reads, _) = await ReadAllRangesAsync(store, ItemFormat.Csv, null, data.Length, 10);

        // Assert
        Assert.Equal(new[] { new[] { ("name", "Ada") }, new[] { ("name", "Grace") } }, reads.Select(r => Columns(r.Read)));
    }

    [Fact]
    public async Task ReadAsync_CsvDelimiterIsAQuote_Throws()
    {
        // Arrange
        var store = await StoreWithAsync("a\n");

        // Act & Assert
        await Assert.ThrowsAsync<ArgumentException>(() => ReadRangeAsync(store, ItemFormat.Csv, new CsvOptions('"'), new ByteRange(0, 2)));
    }

    private static (string, string)[] Columns(ItemRead read)
    {
        Assert.Null(read.Error);
        Assert.Equal(JsonValueKind.Object, read.Item!.Value.ValueKind);
        return [.. read.Item.Value.EnumerateObject().Select(p => (p.Name, p.Value.GetString()!))];
    }

    private static (string, string)[] Columns((ItemRead Read, long Line) read) => Columns(read.Read);

    private static string[] Fields(ItemRead read)
    {
        Assert.Null(read.Error);
        Assert.Equal(JsonValueKind.Array, read.Item!.Value.ValueKind);
        return [.. read.Item.Value.EnumerateArray().Select(e => e.GetString()!)];
    }
}
