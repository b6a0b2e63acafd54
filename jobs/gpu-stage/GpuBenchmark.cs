using System.Diagnostics;
using System.Globalization;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.GpuStage;

/// <summary>What one benchmark run measured: the kernel on the accelerator against the plain C# loop, same image.</summary>
public sealed record GpuBenchmarkReport(
    MandelbrotView View,
    string Accelerator,
    string AcceleratorType,
    double CompileAndFirstRunMilliseconds,
    double KernelMilliseconds,
    double CpuLoopMilliseconds,
    int CpuThreads,
    long MismatchedPixels)
{
    /// <summary>How many times faster the accelerator's kernel is than the C# loop.</summary>
    public double Speedup => CpuLoopMilliseconds / KernelMilliseconds;

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"""
        Mandelbrot {View.Width}x{View.Height}, {View.MaxIterations} iterations, centre ({View.CenterX}, {View.CenterY}), scale {View.Scale}
        Accelerator:     {AcceleratorType} '{Accelerator}'
        Kernel:          {KernelMilliseconds,10:0.0} ms (best of runs; first run incl. compile {CompileAndFirstRunMilliseconds:0} ms)
        C# loop:         {CpuLoopMilliseconds,10:0.0} ms (Parallel.For over {CpuThreads} threads, best of runs)
        Ratio:           {Speedup,10:0.00}x (C# loop time / kernel time)
        Pixels that differ between the two: {MismatchedPixels:N0} of {View.Pixels:N0}
        """);
}

/// <summary>
/// Times the ILGPU kernel (after a first run that includes compiling it) and the multi-threaded C# loop on
/// the same image, best of <c>runs</c> each, and counts pixels whose escape counts differ.
/// </summary>
public static class GpuBenchmark
{
    public static GpuBenchmarkReport Run(MandelbrotView view, AcceleratorChoice choice, int runs)
    {
        ArgumentNullException.ThrowIfNull(view);
        using var session = AcceleratorSession.Open(choice);
        var onAccelerator = new uint[view.Pixels];
        var first = Stopwatch.StartNew();
        MandelbrotKernel.Render(session.Accelerator, view, onAccelerator);
        var compileAndFirst = first.Elapsed.TotalMilliseconds;
        var kernel = Enumerable.Range(0, runs).Min(_ => MandelbrotKernel.Render(session.Accelerator, view, onAccelerator).TotalMilliseconds);

        var onCpu = new uint[view.Pixels];
        var loop = Enumerable.Range(0, runs).Min(_ =>
        {
            var stopwatch = Stopwatch.StartNew();
            MandelbrotKernel.RenderOnCpu(view, onCpu);
            return stopwatch.Elapsed.TotalMilliseconds;
        });

        long mismatched = 0;
        for (long i = 0; i < onCpu.LongLength; i++)
        {
            mismatched += onCpu[i] == onAccelerator[i] ? 0 : 1;
        }

        return new GpuBenchmarkReport(view, session.Accelerator.Name, session.Accelerator.AcceleratorType.ToString(), compileAndFirst, kernel, loop, Environment.ProcessorCount, mismatched);
    }
}
