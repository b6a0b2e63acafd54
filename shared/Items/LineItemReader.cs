using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Serverless.Storage;

namespace Serverless.Items;

/// <summary>
/// What one shard's <see cref="LineItemReader"/> did, for the shard's metrics and for rebasing its line numbers.
/// </summary>
public sealed class LineReadStats
{
    /// <summary>Bytes consumed from the blob's streams, the CSV header's separate read included.</summary>
    public long BytesRead { get; internal set; }

    /// <summary>Lines whose first byte lies in the range: every one, including empty lines, a CSV header and lines that failed.</summary>
    public long Lines { get; internal set; }

    /// <summary>True when the range starts at 0, so <see cref="ItemSource.Line"/> is already the line's number in the blob.</summary>
    public bool LinesAreAbsolute { get; internal set; }
}

/// <summary>
/// Reads the items of one byte range of a line-oriented blob (text, JSONL or CSV), streaming: it holds one chunk
/// and at most one line in memory, never the range.
/// </summary>
public static class LineItemReader
{
    /// <summary>The blob stream's download size: small, so a shard fetches little beyond the end of its range.</summary>
    public const int StreamBufferSize = 1 << 20;

    /// <summary>How many bytes the reader takes from the stream at a time; past the range's end it reads at most one more chunk than the last line needs.</summary>
    public const int ReadChunkSize = 64 << 10;

    /// <summary>The longest line (without its "\n" or "\r\n") that is read; a longer one is an item error, so memory stays bounded.</summary>
    public const int MaxLineBytes = 16 << 20;

    // The CSV header is usually short: fetch it in small pieces rather than a shard-sized buffer.
    private const int HeaderStreamBufferSize = 64 << 10;
    private const int HeaderChunkSize = 4 << 10;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    // Items are data, not HTML: keep non-ASCII text readable in the JSON that results are written as.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Yields the items of the lines that belong to <paramref name="range"/> of <paramref name="blob"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A line belongs to the range in which its first byte lies (the Hadoop rule), so ranges from
    /// <see cref="ByteRanges.Split"/> together read every line exactly once: a range with Start &gt; 0 skips through the
    /// first '\n' at or after Start − 1, and the reader reads past End to finish the last line that starts before End.
    /// Lines end at '\n'; a trailing '\r' is stripped; a last line without '\n' counts; a UTF-8 byte order mark at the
    /// start of the blob is dropped.
    /// </para>
    /// <para>
    /// Empty lines are counted but yield nothing, in every format. A line that is not UTF-8, or longer than
    /// <see cref="MaxLineBytes"/>, yields an error; so do a JSONL line that is not JSON and a malformed CSV row.
    /// </para>
    /// <para>
    /// <see cref="ItemSource.Offset"/> is the exact byte offset of the line's first byte in the blob.
    /// <see cref="ItemSource.Line"/> is 1-based and counted from the range's first line: when Start == 0 that is the
    /// line's number in the blob (<see cref="LineReadStats.LinesAreAbsolute"/>); otherwise the engine rebases it by adding
    /// the <see cref="LineReadStats.Lines"/> of every earlier range (a prefix sum), which is why those count every line.
    /// </para>
    /// <para>
    /// Text: the value is the line as a JSON string. JSONL: the line's JSON document. CSV (fields separated by
    /// <see cref="CsvOptions.Delimiter"/>, optionally double-quoted, "" inside quotes is a quote): with a header, an
    /// object of the header's columns to string values, and the header line (the blob's first line, which a range
    /// with Start &gt; 0 reads separately from offset 0) is not an item; without one, an array of strings. A record is
    /// one line: quoted fields may not contain newlines, because ranges split on newlines. With a header, a row
    /// whose field count differs from the header's is an error. Empty header names become "column_N" (N the 1-based
    /// position) and repeated ones get "_2", "_3", … so every column keeps its own key.
    /// </para>
    /// </remarks>
    public static async IAsyncEnumerable<ItemRead> ReadAsync(
        IBlobStore blobs,
        string blob,
        ItemFormat format,
        CsvOptions? csv,
        ByteRange range,
        LineReadStats stats,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentException.ThrowIfNullOrEmpty(blob);
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentOutOfRangeException.ThrowIfNegative(range.Start);
        ArgumentOutOfRangeException.ThrowIfLessThan(range.End, range.Start);
        csv = format == ItemFormat.Csv ? Validate(csv ?? new CsvOptions()) : null;

        stats.LinesAreAbsolute = range.Start == 0;
        if (range.Length == 0)
        {
            yield break;
        }

        CsvHeader? header = null;
        if (csv is { Header: true } && range.Start > 0)
        {
            header = await ReadHeaderAsync(blobs, blob, csv.Delimiter, stats, cancellationToken).ConfigureAwait(false);
        }

        // From Start − 1, so that a '\n' there tells us the line at Start is ours.
        var openAt = range.Start == 0 ? 0 : range.Start - 1;
        var stream = await blobs.OpenReadAsync(blob, openAt, StreamBufferSize, cancellationToken).ConfigureAwait(false)
            ?? throw Missing(blob);
        await using (stream.ConfigureAwait(false))
        {
            var scanner = new LineScanner(stream, openAt, range.End, ReadChunkSize, stats);
            if (range.Start > 0 && !await scanner.SkipThroughNewlineAsync(cancellationToken).ConfigureAwait(false))
            {
                yield break;
            }

            var fields = new List<string>();
            var lineNumber = 0L;
            while (scanner.Position < range.End && await scanner.NextAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                stats.Lines++;
                var source = new ItemSource(blob, line.Offset, lineNumber);
                var bytes = line.Offset == 0 ? WithoutBom(line.Bytes) : line.Bytes;
                if (csv is { Header: true } && line.Offset == 0)
                {
                    header = CsvHeader.Parse(bytes.Span, line.TooLong, csv.Delimiter);
                    continue;
                }

                if (line.TooLong)
                {
                    yield return Failure(source, $"line is longer than {MaxLineBytes} bytes");
                    continue;
                }

                if (bytes.IsEmpty)
                {
                    continue;
                }

                yield return Parse(bytes, source, format, csv, header, fields);
            }
        }
    }

    private static CsvOptions Validate(CsvOptions csv) =>
        csv.Delimiter is '"' or '\r' or '\n'
            ? throw new ArgumentException("A CSV delimiter cannot be a double quote or a line break.", nameof(csv))
            : csv;

    private static FileNotFoundException Missing(string blob) => new($"The input blob '{blob}' does not exist.", blob);

    private static ReadOnlyMemory<byte> WithoutBom(ReadOnlyMemory<byte> bytes) =>
        bytes.Span.StartsWith(Utf8Bom) ? bytes[Utf8Bom.Length..] : bytes;

    /// <summary>The blob's first line as a CSV header, read on its own in small pieces: a shard far into the blob fetches the header, not everything before its range.</summary>
    private static async Task<CsvHeader> ReadHeaderAsync(IBlobStore blobs, string blob, char delimiter, LineReadStats stats, CancellationToken cancellationToken)
    {
        var stream = await blobs.OpenReadAsync(blob, 0, HeaderStreamBufferSize, cancellationToken).ConfigureAwait(false)
            ?? throw Missing(blob);
        await using (stream.ConfigureAwait(false))
        {
            var scanner = new LineScanner(stream, 0, 0, HeaderChunkSize, stats);
            var line = await scanner.NextAsync(cancellationToken).ConfigureAwait(false);
            return line is { } first
                ? CsvHeader.Parse(WithoutBom(first.Bytes).Span, first.TooLong, delimiter)
                : new CsvHeader(null, "the blob is empty");
        }
    }

    private static ItemRead Parse(ReadOnlyMemory<byte> bytes, ItemSource source, ItemFormat format, CsvOptions? csv, CsvHeader? header, List<string> fields)
    {
        if (!Utf8.IsValid(bytes.Span))
        {
            return Failure(source, "line is not valid UTF-8");
        }

        switch (format)
        {
            case ItemFormat.Text:
                return Success(StringElement(bytes.Span), source);

            case ItemFormat.Jsonl:
                try
                {
                    using var document = JsonDocument.Parse(bytes);
                    return Success(document.RootElement.Clone(), source);
                }
                catch (JsonException ex)
                {
                    return Failure(source, $"line is not valid JSON: {ex.Message}");
                }

            case ItemFormat.Csv:
            {
                var problem = Csv.Split(Encoding.UTF8.GetString(bytes.Span), csv!.Delimiter, fields);
                if (problem is not null)
                {
                    return Failure(source, problem);
                }

                if (!csv.Header)
                {
                    return Success(Csv.ArrayElement(fields), source);
                }

                if (header?.Names is not { } names)
                {
                    return Failure(source, $"the CSV header cannot be read: {header?.Error ?? "it is missing"}");
                }

                return fields.Count == names.Length
                    ? Success(Csv.ObjectElement(names, fields), source)
                    : Failure(source, $"row has {fields.Count} fields, the header has {names.Length}");
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Not a line format.");
        }
    }

    private static ItemRead Success(JsonElement value, ItemSource source) => new(new Item(value, source), source, null);

    private static ItemRead Failure(ItemSource source, string error) => new(null, source, error);

    private static JsonElement StringElement(ReadOnlySpan<byte> utf8)
    {
        var buffer = new ArrayBufferWriter<byte>(utf8.Length + 2);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStringValue(utf8);
        }

        return ToElement(buffer);
    }

    private static JsonElement ToElement(ArrayBufferWriter<byte> json)
    {
        var reader = new Utf8JsonReader(json.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    /// <summary>A CSV header's unique column names, or why the header cannot be used.</summary>
    private sealed record CsvHeader(string[]? Names, string? Error)
    {
        public static CsvHeader Parse(ReadOnlySpan<byte> line, bool tooLong, char delimiter)
        {
            if (tooLong)
            {
                return new CsvHeader(null, $"the header line is longer than {MaxLineBytes} bytes");
            }

            if (line.IsEmpty)
            {
                return new CsvHeader(null, "the header line is empty");
            }

            if (!Utf8.IsValid(line))
            {
                return new CsvHeader(null, "the header line is not valid UTF-8");
            }

            var fields = new List<string>();
            var problem = Csv.Split(Encoding.UTF8.GetString(line), delimiter, fields);
            return problem is null ? new CsvHeader(UniqueNames(fields), null) : new CsvHeader(null, problem);
        }

        private static string[] UniqueNames(List<string> fields)
        {
            var names = new string[fields.Count];
            var used = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < fields.Count; i++)
            {
                var name = fields[i].Length == 0 ? string.Create(CultureInfo.InvariantCulture, $"column_{i + 1}") : fields[i];
                var unique = name;
                for (var n = 2; !used.Add(unique); n++)
                {
                    unique = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
                }

                names[i] = unique;
            }

            return names;
        }
    }

    private static class Csv
    {
        /// <summary>Splits one record into <paramref name="fields"/>; returns what is wrong with it, or null.</summary>
        public static string? Split(string line, char delimiter, List<string> fields)
        {
            fields.Clear();
            var quoted = new StringBuilder();
            var i = 0;
            while (true)
            {
                if (i < line.Length && line[i] == '"')
                {
                    quoted.Clear();
                    i++;
                    while (true)
                    {
                        if (i >= line.Length)
                        {
                            return "unterminated quoted field";
                        }

                        var c = line[i++];
                        if (c != '"')
                        {
                            quoted.Append(c);
                        }
                        else if (i < line.Length && line[i] == '"')
                        {
                            quoted.Append('"');
                            i++;
                        }
                        else
                        {
                            break;
                        }
                    }

                    fields.Add(quoted.ToString());
                    if (i == line.Length)
                    {
                        return null;
                    }

                    if (line[i] != delimiter)
                    {
                        return string.Create(CultureInfo.InvariantCulture, $"field {fields.Count} has text after its closing quote");
                    }

                    i++;
                }
                else
                {
                    // Unquoted: up to the next delimiter; a stray quote inside is kept as text.
                    var end = line.IndexOf(delimiter, i);
                    if (end < 0)
                    {
                        fields.Add(line[i..]);
                        return null;
                    }

                    fields.Add(line[i..end]);
                    i = end + 1;
                }
            }
        }

        public static JsonElement ArrayElement(List<string> fields)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartArray();
                foreach (var field in fields)
                {
                    writer.WriteStringValue(field);
                }

                writer.WriteEndArray();
            }

            return ToElement(buffer);
        }

        public static JsonElement ObjectElement(string[] names, List<string> fields)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                for (var i = 0; i < names.Length; i++)
                {
                    writer.WriteString(names[i], fields[i]);
                }

                writer.WriteEndObject();
            }

            return ToElement(buffer);
        }
    }

    private readonly record struct ScannedLine(ReadOnlyMemory<byte> Bytes, long Offset, bool TooLong);

    /// <summary>
    /// Cuts a stream into lines, chunk by chunk, knowing the absolute offset of every byte. A line's bytes are valid
    /// until the next call: they point into the chunk when the line fits in it, and are copied only when it does not.
    /// </summary>
    private sealed class LineScanner(Stream stream, long offset, long readLimit, int chunkSize, LineReadStats stats)
    {
        private readonly byte[] _chunk = new byte[chunkSize];
        private long _chunkOffset = offset;
        private int _next;
        private int _end;
        private bool _ended;
        private byte[] _line = [];
        private int _lineLength;

        /// <summary>The absolute offset of the next byte to scan.</summary>
        public long Position => _chunkOffset + _next;

        /// <summary>Skips through the next '\n' before <c>readLimit</c>; false when there is none (no line starts in the range).</summary>
        public async ValueTask<bool> SkipThroughNewlineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                if (_next == _end && (Position >= readLimit || !await FillAsync(cancellationToken).ConfigureAwait(false)))
                {
                    return false;
                }

                var newline = _chunk.AsSpan(_next, _end - _next).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    _next += newline + 1;
                    return true;
                }

                _next = _end;
            }
        }

        /// <summary>The next line without its "\n" or "\r\n", or null at the end of the stream.</summary>
        public async ValueTask<ScannedLine?> NextAsync(CancellationToken cancellationToken)
        {
            if (_next == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var lineOffset = Position;
            var spansChunks = false;
            var tooLong = false;
            _lineLength = 0;
            while (true)
            {
                var available = _chunk.AsMemory(_next, _end - _next);
                var newline = available.Span.IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    _next += newline + 1;
                    if (!spansChunks)
                    {
                        return Finish(available[..newline], lineOffset, tooLong: false);
                    }

                    tooLong = Append(available.Span[..newline], tooLong);
                    break;
                }

                tooLong = Append(available.Span, tooLong);
                spansChunks = true;
                _next = _end;
                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }

            return Finish(_line.AsMemory(0, _lineLength), lineOffset, tooLong);
        }

        private static ScannedLine Finish(ReadOnlyMemory<byte> bytes, long offset, bool tooLong)
        {
            if (!bytes.IsEmpty && bytes.Span[^1] == (byte)'\r')
            {
                bytes = bytes[..^1];
            }

            return tooLong || bytes.Length > MaxLineBytes ? new ScannedLine(ReadOnlyMemory<byte>.Empty, offset, true) : new ScannedLine(bytes, offset, false);
        }

        /// <summary>Adds to the line being assembled; once it is too long, drops the rest of it up to its '\n'.</summary>
        private bool Append(ReadOnlySpan<byte> bytes, bool tooLong)
        {
            // One byte over the limit is kept: it may be the '\r' of a "\r\n".
            const int Capacity = MaxLineBytes + 1;
            if (tooLong || _lineLength + bytes.Length > Capacity)
            {
                _lineLength = 0;
                return true;
            }

            if (_line.Length < _lineLength + bytes.Length)
            {
                Array.Resize(ref _line, Math.Min(Capacity, Math.Max(_lineLength + bytes.Length, Math.Max(1024, _line.Length * 2))));
            }

            bytes.CopyTo(_line.AsSpan(_lineLength));
            _lineLength += bytes.Length;
            return false;
        }

        /// <summary>Reads the next chunk once the current one is used up; before <c>readLimit</c> it reads no further than it.</summary>
        private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (_ended)
            {
                return false;
            }

            _chunkOffset += _end;
            _next = 0;
            _end = 0;
            var size = _chunkOffset < readLimit ? (int)Math.Min(_chunk.Length, readLimit - _chunkOffset) : _chunk.Length;
            var read = await stream.ReadAsync(_chunk.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
            stats.BytesRead += read;
            _end = read;
            _ended = read == 0;
            return !_ended;
        }
    }
}
