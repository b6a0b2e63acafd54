using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.GpuStage;

/// <summary>
/// The escape-count kernel on an ILGPU accelerator, and the same arithmetic as a plain multi-threaded C# loop
/// (the benchmark's baseline). Both call <see cref="MandelbrotMath"/>, so their counts agree bit for bit
/// wherever the hardware rounds doubles the same way.
/// </summary>
public static class MandelbrotKernel
{
    /// <summary>Computes every pixel's count into <paramref name="counts"/>; returns the kernel's time, compile excluded.</summary>
    public static TimeSpan Render(Accelerator accelerator, MandelbrotView view, uint[] counts)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(counts);

        // A GPU wants a thread per pixel; ILGPU's CPU accelerator pays per simulated thread, so there a thread takes a row.
        var pixelsPerThread = accelerator.AcceleratorType == AcceleratorType.CPU ? view.Width : 1;
        var threads = (int)((view.Pixels + pixelsPerThread - 1) / pixelsPerThread);
        var kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<uint, Stride1D.Dense>, KernelView>(Kernel);
        using var buffer = accelerator.Allocate1D<uint>(counts.Length);
        var stopwatch = Stopwatch.StartNew();
        kernel(threads, buffer.View, KernelView.From(view, pixelsPerThread));
        accelerator.Synchronize();
        stopwatch.Stop();
        buffer.CopyToCPU(counts);
        return stopwatch.Elapsed;
    }

    /// <summary>The baseline: rows spread over every core with <see cref="Parallel.For(int, int, Action{int})"/>.</summary>
    public static void RenderOnCpu(MandelbrotView view, uint[] counts)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(counts);
        var step = view.Step;
        Parallel.For(0, view.Height, y =>
        {
            var ci = MandelbrotMath.Imaginary(y, view.Height, view.CenterY, step);
            var row = (long)y * view.Width;
            for (var x = 0; x < view.Width; x++)
            {
                counts[row + x] = (uint)MandelbrotMath.EscapeCount(MandelbrotMath.Real(x, view.Width, view.CenterX, step), ci, view.MaxIterations);
            }
        });
    }

    private static void Kernel(Index1D index, ArrayView1D<uint, Stride1D.Dense> counts, KernelView view)
    {
        var first = (long)index.X * view.PixelsPerThread;
        var end = Math.Min(first + view.PixelsPerThread, (long)view.Width * view.Height);
        for (var pixel = first; pixel < end; pixel++)
        {
            var x = (int)(pixel % view.Width);
            var y = (int)(pixel / view.Width);
            counts[pixel] = (uint)MandelbrotMath.EscapeCount(
                MandelbrotMath.Real(x, view.Width, view.CenterX, view.Step),
                MandelbrotMath.Imaginary(y, view.Height, view.CenterY, view.Step),
                view.MaxIterations);
        }
    }

    /// <summary>The view as a blittable struct, which is what a kernel can take (public: ILGPU emits code that reads it).</summary>
    public readonly record struct KernelView(int Width, int Height, double CenterX, double CenterY, double Step, int MaxIterations, int PixelsPerThread)
    {
        public static KernelView From(MandelbrotView view, int pixelsPerThread) =>
            new(view.Width, view.Height, view.CenterX, view.CenterY, view.Step, view.MaxIterations, pixelsPerThread);
    }
}
