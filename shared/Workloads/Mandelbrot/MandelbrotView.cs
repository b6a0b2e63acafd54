namespace Serverless.Workloads.Mandelbrot;

/// <summary>
/// What to render: a <see cref="Width"/>×<see cref="Height"/> image of the complex plane centred on
/// (<see cref="CenterX"/>, <see cref="CenterY"/>), <see cref="Scale"/> wide. The imaginary axis points up.
/// </summary>
public sealed record MandelbrotView(int Width, int Height, double CenterX, double CenterY, double Scale, int MaxIterations)
{
    public const int MaxSide = 32_768;
    public const int MaxIterationsLimit = 1_000_000;

    /// <summary>The complex-plane width of one pixel.</summary>
    public double Step => Scale / Width;

    public long Pixels => (long)Width * Height;

    /// <summary>Rows [start, end) of tile <paramref name="index"/> when the image is cut into <paramref name="tiles"/> horizontal strips.</summary>
    public (int Start, int End) TileRows(int index, int tiles) =>
        ((int)((long)index * Height / tiles), (int)((long)(index + 1) * Height / tiles));
}

/// <summary>
/// The escape-time arithmetic, in one place: the GPU kernel, the CPU loop and the benchmark call these, so
/// every path computes bit-identical counts.
/// </summary>
public static class MandelbrotMath
{
    /// <summary>Re(c) of pixel column <paramref name="x"/>: centerX + (x + 0.5 − width/2)·step.</summary>
    public static double Real(int x, int width, double centerX, double step) => centerX + ((x + 0.5 - (width * 0.5)) * step);

    /// <summary>Im(c) of pixel row <paramref name="y"/>: centerY − (y + 0.5 − height/2)·step (row 0 is the top).</summary>
    public static double Imaginary(int y, int height, double centerY, double step) => centerY - ((y + 0.5 - (height * 0.5)) * step);

    /// <summary>
    /// How many steps of z ← z² + c, from z = 0, keep |z| ≤ 2: a number below <paramref name="maxIterations"/>
    /// for a point that escapes, <paramref name="maxIterations"/> for a point inside the set.
    /// </summary>
    public static int EscapeCount(double cr, double ci, int maxIterations)
    {
        double zr = 0, zi = 0;
        for (var n = 0; n < maxIterations; n++)
        {
            var nextImaginary = (2.0 * zr * zi) + ci;
            zr = (zr * zr) - (zi * zi) + cr;
            zi = nextImaginary;
            if ((zr * zr) + (zi * zi) > 4.0)
            {
                return n;
            }
        }

        return maxIterations;
    }
}
