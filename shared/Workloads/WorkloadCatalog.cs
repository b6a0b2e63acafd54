using Serverless.Storage;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.Workloads;

/// <summary>The workloads a host can run, by name.</summary>
public sealed class WorkloadCatalog
{
    private readonly Dictionary<string, IWorkload> _workloads;

    public WorkloadCatalog(IEnumerable<IWorkload> workloads)
    {
        _workloads = workloads.ToDictionary(w => w.Name, StringComparer.Ordinal);
    }

    /// <summary>The workloads every host ships with; <paramref name="blobs"/> serves those that read or write files.</summary>
    public static IReadOnlyList<IWorkload> BuiltIn(IBlobStore blobs) =>
        [new MonteCarloPiWorkload(), new PrimeCountWorkload(), new SleepWorkload(), new MandelbrotWorkload(blobs), new WordCountWorkload(), new ChecksumWorkload(blobs)];

    public IEnumerable<string> Names => _workloads.Keys.Order(StringComparer.Ordinal);

    public bool TryGet(string name, out IWorkload workload) => _workloads.TryGetValue(name, out workload!);

    public IWorkload Get(string name) =>
        TryGet(name, out var workload) ? workload : throw new KeyNotFoundException($"Unknown workload '{name}'.");
}
