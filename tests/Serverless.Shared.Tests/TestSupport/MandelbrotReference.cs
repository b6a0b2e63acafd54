using System.Buffers.Binary;
using System.Text;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.Tests.TestSupport;

/// <summary>
/// The tests' own Mandelbrot arithmetic and escape-count blob, written from the formulas and the
/// documented blob format rather than from the product code, so the workload is checked against a reference.
/// </summary>
public static class MandelbrotReference
{
    /// <summary>Re(c) of column <paramref name="x"/>: centerX + (x + 0.5 − width/2)·scale/width.</summary>
    public static double Real(MandelbrotView view, int x)
    {
        ArgumentNullException.ThrowIfNull(view);
        var pixel = view.Scale / view.Width;
        return view.CenterX + ((x + 0.5 - (view.Width / 2.0)) * pixel);
    }

    /// <summary>Im(c) of row <paramref name="y"/>: centerY − (y + 0.5 − height/2)·scale/width (row 0 is the top).</summary>
    public static double Imaginary(MandelbrotView view, int y)
    {
        ArgumentNullException.ThrowIfNull(view);
        var pixel = view.Scale / view.Width;
        return view.CenterY - ((y + 0.5 - (view.Height / 2.0)) * pixel);
    }

    /// <summary>
    /// Iterates z ← z² + c from z = 0 and returns how many steps were taken before the step that left the disc
    /// |z| ≤ 2, or <paramref name="maxIterations"/> when no step of the first <paramref name="maxIterations"/> did.
    /// </summary>
    public static int EscapeCount(double cr, double ci, int maxIterations)
    {
        var (re, im) = (0.0, 0.0);
        var steps = 0;
        while (steps < maxIterations)
        {
            (re, im) = ((re * re) - (im * im) + cr, (2.0 * re * im) + ci);
            if ((re * re) + (im * im) > 4.0)
            {
                return steps;
            }

            steps++;
        }

        return maxIterations;
    }

    /// <summary>Every pixel's escape count, row-major from the top row.</summary>
    public static uint[] Counts(MandelbrotView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var counts = new uint[view.Width * view.Height];
        for (var y = 0; y < view.Height; y++)
        {
            for (var x = 0; x < view.Width; x++)
            {
                counts[(y * view.Width) + x] = (uint)EscapeCount(Real(view, x), Imaginary(view, y), view.MaxIterations);
            }
        }

        return counts;
    }

    /// <summary>The 32-byte header as documented: "MBEC", version 1, width, height, maxIterations (little-endian), zero padding.</summary>
    public static byte[] Header(int width, int height, int maxIterations, string magic = "MBEC", uint version = 1)
    {
        var header = new byte[32];
        Encoding.ASCII.GetBytes(magic).CopyTo(header, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), version);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), width);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), height);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), maxIterations);
        return header;
    }

    /// <summary>The GPU stage's output blob for <paramref name="view"/>: the header, then one little-endian uint32 per count.</summary>
    public static byte[] Blob(MandelbrotView view, IReadOnlyList<uint> counts)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(counts);
        var blob = new byte[32 + (4 * counts.Count)];
        Header(view.Width, view.Height, view.MaxIterations).CopyTo(blob, 0);
        for (var i = 0; i < counts.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(32 + (4 * i)), counts[i]);
        }

        return blob;
    }
}
