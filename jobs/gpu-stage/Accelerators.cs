using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Serverless.GpuStage;

/// <summary>Which accelerator to run on: the best present (<see cref="Auto"/>: CUDA, then OpenCL, then CPU) or a forced one.</summary>
public enum AcceleratorChoice
{
    Auto,
    Cuda,
    OpenCL,
    Cpu,
}

/// <summary>Opens an ILGPU context and the accelerator a <see cref="AcceleratorChoice"/> asks for.</summary>
public sealed class AcceleratorSession : IDisposable
{
    private static readonly AcceleratorType[] Preference = [AcceleratorType.Cuda, AcceleratorType.OpenCL, AcceleratorType.CPU];
    private readonly Context _context;

    private AcceleratorSession(Context context, Accelerator accelerator)
    {
        _context = context;
        Accelerator = accelerator;
    }

    public Accelerator Accelerator { get; }

    public static AcceleratorChoice Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        null or "" or "AUTO" => AcceleratorChoice.Auto,
        "CUDA" => AcceleratorChoice.Cuda,
        "OPENCL" => AcceleratorChoice.OpenCL,
        "CPU" => AcceleratorChoice.Cpu,
        _ => throw new ArgumentException($"Unknown accelerator '{text}': use auto, cuda, opencl or cpu."),
    };

    public static AcceleratorSession Open(AcceleratorChoice choice)
    {
        // The CPU accelerator simulates one multiprocessor per core, so the CPU fallback still uses the whole machine.
        var cpu = new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: Environment.ProcessorCount);
        var context = Context.Create(builder => builder.Cuda().OpenCL().CPU(cpu).Optimize(OptimizationLevel.O2));
        try
        {
            var wanted = choice switch
            {
                AcceleratorChoice.Cuda => [AcceleratorType.Cuda],
                AcceleratorChoice.OpenCL => [AcceleratorType.OpenCL],
                AcceleratorChoice.Cpu => [AcceleratorType.CPU],
                _ => Preference,
            };
            var device = wanted.Select(type => context.Devices.FirstOrDefault(d => d.AcceleratorType == type)).FirstOrDefault(d => d is not null)
                ?? throw new InvalidOperationException($"No {string.Join(" or ", wanted)} device is present (found: {Describe(context)}).");
            return new AcceleratorSession(context, device.CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }

    private static string Describe(Context context) =>
        !context.Devices.Any() ? "none" : string.Join(", ", context.Devices.Select(d => $"{d.AcceleratorType} '{d.Name}'"));
}
