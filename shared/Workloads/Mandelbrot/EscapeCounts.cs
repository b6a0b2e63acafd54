using System.Buffers.Binary;

namespace Serverless.Workloads.Mandelbrot;

/// <summary>
/// The GPU stage's output blob: a 32-byte header ("MBEC", version, width, height, maxIterations) then one
/// little-endian uint32 escape count per pixel, row-major from the top row. Fixed offsets let each tile
/// read just its rows with a ranged download.
/// </summary>
public static class EscapeCounts
{
    public const int HeaderSize = 32;
    private const uint Magic = 0x4345424D; // "MBEC" read as little-endian
    private const uint Version = 1;

    public static long Length(MandelbrotView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return HeaderSize + (view.Pixels * sizeof(uint));
    }

    /// <summary>Where row <paramref name="y"/> starts in the blob.</summary>
    public static long RowOffset(MandelbrotView view, int y)
    {
        ArgumentNullException.ThrowIfNull(view);
        return HeaderSize + ((long)y * view.Width * sizeof(uint));
    }

    public static void WriteHeader(Span<byte> header, MandelbrotView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        header[..HeaderSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], view.Width);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], view.Height);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], view.MaxIterations);
    }

    /// <summary>Null when a blob of <paramref name="length"/> bytes starting with <paramref name="header"/> holds <paramref name="view"/>; else what is wrong.</summary>
    public static string? Check(ReadOnlySpan<byte> header, long length, MandelbrotView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return "it does not start with the escape-count header (\"MBEC\")";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != Version)
        {
            return $"its format version is {BinaryPrimitives.ReadUInt32LittleEndian(header[4..])}, not {Version}";
        }

        var (width, height, maxIterations) = (BinaryPrimitives.ReadInt32LittleEndian(header[8..]), BinaryPrimitives.ReadInt32LittleEndian(header[12..]), BinaryPrimitives.ReadInt32LittleEndian(header[16..]));
        if (width != view.Width || height != view.Height || maxIterations != view.MaxIterations)
        {
            return $"it holds a {width}x{height} image at {maxIterations} iterations, not {view.Width}x{view.Height} at {view.MaxIterations}";
        }

        return length == Length(view) ? null : $"it is {length} bytes long, not {Length(view)}";
    }
}
