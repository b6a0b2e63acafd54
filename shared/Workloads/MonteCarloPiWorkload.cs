using Serverless.Jobs;

namespace Serverless.Workloads;

public sealed record MonteCarloPiParameters(long Samples);

public sealed record MonteCarloPiShard(long Samples, long Seed, int Index);

public sealed record MonteCarloPiPartial(long Inside, long Samples);

public sealed record MonteCarloPiResult(double Estimate, double StandardError, long Samples, long Inside);

/// <summary>
/// Estimates pi as 4 × the share of uniform points in the unit square that fall inside the quarter circle.
/// Shard i draws from the stream (job seed, i), so a spec gives the same estimate on every run and host.
/// </summary>
public sealed class MonteCarloPiWorkload : Workload<MonteCarloPiParameters, MonteCarloPiShard, MonteCarloPiPartial, MonteCarloPiResult>
{
    public const long MaxSamples = 10_000_000_000_000;

    /// <summary>
    /// About what one core draws in a second (BENCHMARKS.md calibrates 3.8 to 4.4 × 10^8): a default shard
    /// is about a core-second, long enough to outweigh its scheduling and short enough to spread.
    /// </summary>
    public const long SamplesPerCoreSecond = 400_000_000;

    // Points sit at the centres of a 2^30 × 2^30 grid: u = 2x + 1 < 2^31, so u² + v² fits in a ulong.
    private const int CoordinateBits = 30;
    private const ulong RadiusSquared = 1UL << (2 * (CoordinateBits + 1));

    public override string Name => "montecarlo-pi";

    public override string Description => "Estimates pi from uniform random points in the unit square.";

    public override MonteCarloPiParameters ReadParameters(JsonFieldReader reader, int shards) =>
        new(reader.GetInt64("samples", Math.Max(1, shards), MaxSamples, defaultValue: null));

    public override int DefaultShards(MonteCarloPiParameters parameters) => ShardsFor(parameters.Samples, SamplesPerCoreSecond);

    public override MonteCarloPiShard Plan(MonteCarloPiParameters parameters, ShardPosition position)
    {
        var (quotient, remainder) = Math.DivRem(parameters.Samples, position.Count);
        var samples = quotient + (position.Index < remainder ? 1 : 0);
        return new MonteCarloPiShard(samples, position.Seed, position.Index);
    }

    public override ValueTask<MonteCarloPiPartial> RunAsync(MonteCarloPiShard shard, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new MonteCarloPiPartial(CountInside(shard), shard.Samples));

    public override MonteCarloPiPartial Combine(MonteCarloPiPartial left, MonteCarloPiPartial right) =>
        new(left.Inside + right.Inside, left.Samples + right.Samples);

    public override ValueTask<MonteCarloPiResult> FinishAsync(MonteCarloPiPartial combined, MonteCarloPiParameters parameters, JobContext job, CancellationToken cancellationToken)
    {
        var p = (double)combined.Inside / combined.Samples;
        return ValueTask.FromResult(new MonteCarloPiResult(4 * p, 4 * Math.Sqrt(p * (1 - p) / combined.Samples), combined.Samples, combined.Inside));
    }

    /// <summary>The hot loop, public so the benchmark can run exactly the same code without the engine.</summary>
    public static long CountInside(MonteCarloPiShard shard)
    {
        var random = new DeterministicRandom(shard.Seed, shard.Index);
        long inside = 0;
        for (long i = 0; i < shard.Samples; i++)
        {
            var bits = random.NextUInt64();
            var u = ((bits >> 34) << 1) | 1;
            var v = (((bits >> 4) & ((1UL << CoordinateBits) - 1)) << 1) | 1;
            inside += u * u + v * v <= RadiusSquared ? 1 : 0;
        }

        return inside;
    }
}
