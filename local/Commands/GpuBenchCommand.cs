using System.CommandLine;
using Serverless.GpuStage;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.Local.Commands;

/// <summary>
/// <c>bench gpu</c>: the mandelbrot kernel through ILGPU on the chosen accelerator against a plain
/// multi-threaded C# loop, same image, same run; prints the ratio and how many pixels differ.
/// </summary>
public static class GpuBenchCommand
{
    public static Command Create()
    {
        var width = new Option<int>("--width") { DefaultValueFactory = _ => 4096 };
        var height = new Option<int>("--height") { DefaultValueFactory = _ => 4096 };
        var iterations = new Option<int>("--max-iterations") { DefaultValueFactory = _ => 1000 };
        var accelerator = new Option<string>("--accelerator") { Description = "auto (CUDA, then OpenCL, then CPU), cuda, opencl or cpu.", DefaultValueFactory = _ => "auto" };
        var runs = new Option<int>("--runs") { Description = "Timed runs of each; the best counts.", DefaultValueFactory = _ => 3 };
        var command = new Command("gpu", "Time the mandelbrot kernel on an accelerator against the C# loop on the CPU.") { width, height, iterations, accelerator, runs };
        command.SetAction(parse =>
        {
            var view = new MandelbrotView(parse.GetValue(width), parse.GetValue(height), -0.75, 0, 3, parse.GetValue(iterations));
            var report = GpuBenchmark.Run(view, AcceleratorSession.Parse(parse.GetValue(accelerator)), parse.GetValue(runs));
            Console.WriteLine(report.Describe());
            return 0;
        });
        return command;
    }
}
