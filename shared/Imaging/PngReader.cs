using System.Buffers.Binary;
using System.IO.Compression;

namespace Serverless.Imaging;

/// <summary>
/// Reads 8-bit RGB, non-interlaced PNGs (what <see cref="PngWriter"/> writes) row by row, undoing any of the
/// five PNG filters. Used to stitch tiles into one image without holding the image in memory.
/// </summary>
public sealed class PngReader : IDisposable
{
    private readonly ZLibStream _inflate;
    private readonly byte[] _row;
    private readonly byte[] _previous;
    private int _rowsLeft;

    public PngReader(Stream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Span<byte> signature = stackalloc byte[8];
        input.ReadExactly(signature);
        if (signature[1] != (byte)'P' || signature[2] != (byte)'N' || signature[3] != (byte)'G')
        {
            throw new InvalidDataException("Not a PNG: the signature is wrong.");
        }

        var (type, data) = ReadChunk(input);
        if (type != "IHDR")
        {
            throw new InvalidDataException("Not a PNG: the first chunk is not IHDR.");
        }

        Width = BinaryPrimitives.ReadInt32BigEndian(data);
        Height = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        if (data[8] != 8 || data[9] != 2 || data[12] != 0)
        {
            throw new InvalidDataException($"Only 8-bit RGB non-interlaced PNGs are read (bit depth {data[8]}, colour type {data[9]}, interlace {data[12]}).");
        }

        _rowsLeft = Height;
        _row = new byte[3 * Width];
        _previous = new byte[3 * Width];
        _inflate = new ZLibStream(new IdatStream(input), CompressionMode.Decompress);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The next row's RGB bytes (valid until the next call).</summary>
    public ReadOnlySpan<byte> ReadRow()
    {
        if (_rowsLeft-- <= 0)
        {
            throw new InvalidOperationException("Every row has been read.");
        }

        var filter = _inflate.ReadByte();
        _row.AsSpan().CopyTo(_previous);
        _inflate.ReadExactly(_row);
        Unfilter(filter, _row, _previous);
        return _row;
    }

    public void Dispose() => _inflate.Dispose();

    private static void Unfilter(int filter, Span<byte> row, ReadOnlySpan<byte> above)
    {
        for (var i = 0; i < row.Length; i++)
        {
            int left = i >= 3 ? row[i - 3] : 0;
            int up = above[i];
            int upLeft = i >= 3 ? above[i - 3] : 0;
            row[i] += filter switch
            {
                0 => 0,
                1 => (byte)left,
                2 => (byte)up,
                3 => (byte)((left + up) / 2),
                4 => (byte)Paeth(left, up, upLeft),
                _ => throw new InvalidDataException($"Unknown PNG filter type {filter}."),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static (string Type, byte[] Data) ReadChunk(Stream input)
    {
        Span<byte> header = stackalloc byte[8];
        input.ReadExactly(header);
        var data = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        input.ReadExactly(data);
        Span<byte> crc = stackalloc byte[4];
        input.ReadExactly(crc);
        return (System.Text.Encoding.ASCII.GetString(header[4..]), data);
    }

    /// <summary>The concatenated payloads of the IDAT chunks, skipping the rest.</summary>
    private sealed class IdatStream(Stream input) : Stream
    {
        private byte[] _chunk = [];
        private int _position;
        private bool _ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_position == _chunk.Length)
            {
                if (_ended)
                {
                    return 0;
                }

                var (type, data) = ReadChunk(input);
                if (type == "IDAT")
                {
                    (_chunk, _position) = (data, 0);
                }
                else if (type == "IEND")
                {
                    _ended = true;
                }
            }

            var take = Math.Min(buffer.Length, _chunk.Length - _position);
            _chunk.AsSpan(_position, take).CopyTo(buffer);
            _position += take;
            return take;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
