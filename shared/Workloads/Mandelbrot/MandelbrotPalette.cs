namespace Serverless.Workloads.Mandelbrot;

/// <summary>
/// Colours an escape count: inside points black, escaping points along a cyclic blue-white-gold gradient
/// indexed by the square root of the count, so detail stays visible at high iteration limits.
/// </summary>
public static class MandelbrotPalette
{
    private const int Size = 1024;
    private static readonly (double At, byte R, byte G, byte B)[] Stops =
    [
        (0.0, 0, 7, 100), (0.16, 32, 107, 203), (0.42, 237, 255, 255), (0.6425, 255, 170, 0), (0.8575, 0, 2, 0), (1.0, 0, 7, 100),
    ];

    private static readonly byte[] Table = BuildTable();

    /// <summary>Writes the RGB colour of <paramref name="count"/> into the first three bytes of <paramref name="rgb"/>.</summary>
    public static void Colour(uint count, int maxIterations, Span<byte> rgb)
    {
        if (count >= (uint)maxIterations)
        {
            rgb[..3].Clear();
            return;
        }

        var index = (int)(Math.Sqrt(count) * 32) % Size * 3;
        Table.AsSpan(index, 3).CopyTo(rgb);
    }

    private static byte[] BuildTable()
    {
        var table = new byte[Size * 3];
        for (var i = 0; i < Size; i++)
        {
            var t = (double)i / Size;
            var upper = Array.FindIndex(Stops, s => s.At >= t);
            var (a, b) = (Stops[Math.Max(upper - 1, 0)], Stops[upper]);
            var f = b.At > a.At ? (t - a.At) / (b.At - a.At) : 0;
            table[3 * i] = (byte)(a.R + ((b.R - a.R) * f));
            table[(3 * i) + 1] = (byte)(a.G + ((b.G - a.G) * f));
            table[(3 * i) + 2] = (byte)(a.B + ((b.B - a.B) * f));
        }

        return table;
    }
}
