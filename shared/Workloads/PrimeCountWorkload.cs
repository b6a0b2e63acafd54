using Serverless.Jobs;

namespace Serverless.Workloads;

public sealed record PrimeCountParameters(long Limit);

/// <summary>The half-open range [Start, End) one shard sieves.</summary>
public sealed record PrimeCountShard(long Start, long End);

public sealed record PrimeCountPartial(long Count);

public sealed record PrimeCountResult(long Limit, long PrimeCount);

/// <summary>Counts the primes below <c>limit</c> exactly: each shard runs a segmented sieve over its own range.</summary>
public sealed class PrimeCountWorkload : Workload<PrimeCountParameters, PrimeCountShard, PrimeCountPartial, PrimeCountResult>
{
    public const long MaxLimit = 1_000_000_000_000;
    /// <summary>
    /// About what one core sieves in a second (0.8 to 1.2 × 10^9 numbers measured on a dev container, the
    /// lower near 10^11): a default shard is about a core-second of sieving.
    /// </summary>
    public const long NumbersPerCoreSecond = 1_000_000_000;

    private const int SegmentOdds = 1 << 18;

    public override string Name => "primes";

    public override string Description => "Counts the primes below a limit, one segment of the range per shard.";

    public override PrimeCountParameters ReadParameters(JsonFieldReader reader, int shards) =>
        new(reader.GetInt64("limit", 2, MaxLimit, defaultValue: null));

    public override int DefaultShards(PrimeCountParameters parameters) => ShardsFor(parameters.Limit, NumbersPerCoreSecond);

    public override PrimeCountShard Plan(PrimeCountParameters parameters, ShardPosition position) =>
        new(Boundary(parameters.Limit, position.Index, position.Count), Boundary(parameters.Limit, position.Index + 1, position.Count));

    public override ValueTask<PrimeCountPartial> RunAsync(PrimeCountShard shard, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new PrimeCountPartial(CountPrimes(shard.Start, shard.End, cancellationToken)));

    public override PrimeCountPartial Combine(PrimeCountPartial left, PrimeCountPartial right) => new(left.Count + right.Count);

    public override ValueTask<PrimeCountResult> FinishAsync(PrimeCountPartial combined, PrimeCountParameters parameters, JobContext job, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new PrimeCountResult(parameters.Limit, combined.Count));

    private static long Boundary(long limit, int index, int count) => (long)((Int128)limit * index / count);

    /// <summary>Counts primes p with start ≤ p &lt; end, sieving odd numbers one segment at a time.</summary>
    public static long CountPrimes(long start, long end, CancellationToken cancellationToken = default)
    {
        if (end <= 2 || start >= end)
        {
            return 0;
        }

        long count = start <= 2 ? 1 : 0;
        var basePrimes = OddPrimesUpTo((long)Math.Sqrt(end) + 1);
        var composite = new bool[SegmentOdds];

        // Odd numbers n = 2k + 1 with n ≥ max(start, 3); index k - firstK inside the segment.
        var firstOdd = Math.Max(3, start | 1);
        for (var segmentStart = firstOdd; segmentStart < end; segmentStart += 2L * SegmentOdds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var segmentEnd = Math.Min(end, segmentStart + (2L * SegmentOdds));
            var odds = (int)((segmentEnd - segmentStart + 1) / 2);
            Array.Clear(composite);
            foreach (var p in basePrimes)
            {
                var square = p * p;
                if (square >= segmentEnd)
                {
                    break;
                }

                // First odd multiple of p in the segment, not below p².
                var first = Math.Max(square, (segmentStart + p - 1) / p * p);
                if ((first & 1) == 0)
                {
                    first += p;
                }

                for (var m = first; m < segmentEnd; m += 2 * p)
                {
                    composite[(int)((m - segmentStart) / 2)] = true;
                }
            }

            for (var i = 0; i < odds; i++)
            {
                count += composite[i] ? 0 : 1;
            }
        }

        return count;
    }

    private static List<long> OddPrimesUpTo(long limit)
    {
        var isComposite = new bool[limit + 1];
        var primes = new List<long>();
        for (long n = 3; n <= limit; n += 2)
        {
            if (isComposite[n])
            {
                continue;
            }

            primes.Add(n);
            for (var m = n * n; m <= limit; m += 2 * n)
            {
                isComposite[m] = true;
            }
        }

        return primes;
    }
}
