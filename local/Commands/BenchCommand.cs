using System.CommandLine;

namespace Serverless.Local.Commands;

public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure the engine: efficiency against a direct parallel loop, and trivial fan-out throughput.");
        bench.SetAction(_ => 0);
        return bench;
    }
}
