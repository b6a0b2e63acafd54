using System.Globalization;
using Serverless.GpuStage;
using Serverless.Workloads.Mandelbrot;

// No arguments: run one stage execution as the environment describes it (what the container job does).
// "bench [width] [height] [maxIterations] [accelerator] [runs]": time the kernel against the C# loop.
if (args.Length > 0 && args[0] == "bench")
{
    int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
    var view = new MandelbrotView(Arg(1, 4096), Arg(2, 4096), -0.75, 0, 3, Arg(3, 1000));
    var choice = AcceleratorSession.Parse(args.Length > 4 ? args[4] : "auto");
    Console.WriteLine(GpuBenchmark.Run(view, choice, Arg(5, 3)).Describe());
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await new StageRunner(Environment.GetEnvironmentVariable, Console.Out).RunAsync(cancellation.Token).ConfigureAwait(false);
