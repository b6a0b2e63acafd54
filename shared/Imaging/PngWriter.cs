using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Serverless.Imaging;

/// <summary>
/// Writes an 8-bit RGB PNG row by row, so an image far larger than memory can be streamed to a blob.
/// Each row uses the Sub filter, which suits the smooth gradients of rendered images.
/// </summary>
public sealed class PngWriter : IDisposable
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly Stream _output;
    private readonly ChunkStream _idat;
    private readonly ZLibStream _deflate;
    private readonly byte[] _filtered;
    private int _rowsLeft;
    private bool _finished;

    public PngWriter(Stream output, int width, int height, CompressionLevel level = CompressionLevel.Fastest)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        _output = output;
        Width = width;
        _rowsLeft = height;
        _output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bits per sample
        header[9] = 2; // truecolour (RGB)
        WriteChunk(_output, "IHDR"u8, header);
        _idat = new ChunkStream(_output);
        _deflate = new ZLibStream(_idat, level, leaveOpen: true);
        _filtered = new byte[1 + (3 * width)];
    }

    public int Width { get; }

    /// <summary>Appends one row of <see cref="Width"/> RGB pixels.</summary>
    public void WriteRow(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != 3 * Width)
        {
            throw new ArgumentException($"A row is {3 * Width} bytes, not {rgb.Length}.", nameof(rgb));
        }

        if (_rowsLeft-- <= 0)
        {
            throw new InvalidOperationException("Every row of the image has been written already.");
        }

        _filtered[0] = 1; // Sub: each byte minus the same channel of the pixel to its left
        rgb[..3].CopyTo(_filtered.AsSpan(1));
        for (var i = 3; i < rgb.Length; i++)
        {
            _filtered[1 + i] = (byte)(rgb[i] - rgb[i - 3]);
        }

        _deflate.Write(_filtered);
    }

    /// <summary>Ends the image; fails if rows are missing, so a truncated PNG is never mistaken for a whole one.</summary>
    public void Finish()
    {
        if (_rowsLeft != 0)
        {
            throw new InvalidOperationException($"{_rowsLeft} rows of the image were never written.");
        }

        _deflate.Dispose();
        _idat.Flush();
        WriteChunk(_output, "IEND"u8, []);
        _output.Flush();
        _finished = true;
    }

    public void Dispose()
    {
        if (!_finished)
        {
            _deflate.Dispose();
        }
    }

    internal static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        output.Write(word);
    }

    /// <summary>Cuts the compressed stream into IDAT chunks of a bounded size.</summary>
    private sealed class ChunkStream(Stream output) : Stream
    {
        private const int ChunkSize = 1 << 20;
        private readonly byte[] _buffer = new byte[ChunkSize];
        private int _used;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var take = Math.Min(buffer.Length, ChunkSize - _used);
                buffer[..take].CopyTo(_buffer.AsSpan(_used));
                _used += take;
                buffer = buffer[take..];
                if (_used == ChunkSize)
                {
                    Flush();
                }
            }
        }

        public override void Flush()
        {
            if (_used > 0)
            {
                WriteChunk(output, "IDAT"u8, _buffer.AsSpan(0, _used));
                _used = 0;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
