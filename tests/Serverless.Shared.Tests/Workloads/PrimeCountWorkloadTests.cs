using System.Text.Json;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Workloads;

public sealed class PrimeCountWorkloadTests
{
    private readonly PrimeCountWorkload _workload = new();

    public static TheoryData<long, int> TilingCases => new()
    {
        { 2, 1 },
        { 10, 3 },
        { 100, 7 },
        { 1_000_000, 7 },
        { 999_983, 1000 },
        { 5, 9 },
        { 3, 100 },
        { PrimeCountWorkload.MaxLimit, 100_000 },
        { PrimeCountWorkload.MaxLimit - 1, 99_991 },
    };

    [Theory]
    [MemberData(nameof(TilingCases))]
    public void Plan_EveryShard_TilesZeroToLimitWithoutGapsOrOverlaps(long limit, int shards)
    {
        // Arrange
        var parameters = new PrimeCountParameters(limit);

        // Act
        var ranges = Enumerable.Range(0, shards).Select(i => _workload.Plan(parameters, new ShardPosition(i, shards, 0))).ToList();

        // Assert
        Assert.Equal(0, ranges[0].Start);
        Assert.Equal(limit, ranges[^1].End);
        for (var i = 0; i < shards; i++)
        {
            Assert.True(ranges[i].Start <= ranges[i].End, $"Shard {i} is inverted: [{ranges[i].Start}, {ranges[i].End}).");
            if (i > 0)
            {
                Assert.Equal(ranges[i - 1].End, ranges[i].Start);
            }
        }

        Assert.Equal(limit, ranges.Sum(r => r.End - r.Start));
    }

    [Fact]
    public void Plan_MoreShardsThanNumbers_SizesDifferByAtMostOne()
    {
        // Arrange
        var parameters = new PrimeCountParameters(5);

        // Act
        var sizes = Enumerable.Range(0, 9).Select(i => _workload.Plan(parameters, new ShardPosition(i, 9, 0))).Select(r => r.End - r.Start).ToList();

        // Assert
        Assert.Equal(5, sizes.Sum());
        Assert.All(sizes, s => Assert.InRange(s, 0, 1));
    }

    [Theory]
    [InlineData(0, 100, 25)]
    [InlineData(0, 1_000_000, 78_498)]
    [InlineData(0, 2, 0)]
    [InlineData(0, 3, 1)]
    [InlineData(2, 3, 1)]
    [InlineData(3, 4, 1)]
    [InlineData(0, 10_000_000, 664_579)]
    [InlineData(1_000_000_000, 1_000_001_000, 49)]
    [InlineData(100, 100, 0)]
    [InlineData(100, 50, 0)]
    public void CountPrimes_KnownRanges_MatchesKnownCounts(long start, long end, long expected)
    {
        // Act
        var count = PrimeCountWorkload.CountPrimes(start, end);

        // Assert
        Assert.Equal(expected, count);
    }

    [Fact]
    public async Task RunShardAsync_SevenShardsOfOneMillion_SumToPiOfOneMillion()
    {
        // Arrange
        const int shards = 7;
        var parameters = Specs.Parameters("limit", 1_000_000);

        // Act
        var partials = new List<JsonElement>();
        for (var i = 0; i < shards; i++)
        {
            partials.Add(await _workload.RunShardAsync(new ShardPosition(i, shards, 0), parameters, CancellationToken.None));
        }

        var combined = partials.Aggregate(((IWorkload)_workload).Combine);
        var result = await ((IWorkload)_workload).FinishAsync(combined, parameters, new JobContext("job", shards), CancellationToken.None);

        // Assert
        Assert.Equal(78_498, partials.Sum(p => p.GetProperty("count").GetInt64()));
        Assert.Equal(78_498, result.GetProperty("primeCount").GetInt64());
        Assert.Equal(1_000_000, result.GetProperty("limit").GetInt64());
    }

    [Fact]
    public void CountPrimes_RandomSmallRanges_MatchesTrialDivision()
    {
        // Arrange: fixed seed so a failure is reproducible; ranges straddle the sieve's 2^19 segment size too.
        var random = new Random(20240611);
        var cases = new List<(long Start, long End)> { (524_200, 524_400), (1_048_500, 1_048_700) };
        for (var i = 0; i < 200; i++)
        {
            var start = (long)random.Next(0, 2_000_000);
            cases.Add((start, start + random.Next(0, 300)));
        }

        foreach (var (start, end) in cases)
        {
            // Act
            var sieved = PrimeCountWorkload.CountPrimes(start, end);

            // Assert
            Assert.True(NaiveCount(start, end) == sieved, $"CountPrimes({start}, {end}) = {sieved}, trial division says {NaiveCount(start, end)}.");
        }
    }

    [Fact]
    public void CountPrimes_CanceledToken_Throws()
    {
        // Arrange
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        // Act / Assert
        Assert.Throws<OperationCanceledException>(() => PrimeCountWorkload.CountPrimes(0, 1_000, cts.Token));
    }

    [Fact]
    public void Combine_TwoPartials_AddsCounts()
    {
        // Act
        var combined = _workload.Combine(new PrimeCountPartial(3), new PrimeCountPartial(4));

        // Assert
        Assert.Equal(new PrimeCountPartial(7), combined);
    }

    private static long NaiveCount(long start, long end)
    {
        long count = 0;
        for (var n = Math.Max(start, 2); n < end; n++)
        {
            var prime = true;
            for (long d = 2; d * d <= n; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }

            count += prime ? 1 : 0;
        }

        return count;
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(PrimeCountWorkload.NumbersPerCoreSecond, 1)]
    [InlineData(PrimeCountWorkload.NumbersPerCoreSecond + 1, 2)]
    [InlineData(25_000_000_000, 25)]
    [InlineData(PrimeCountWorkload.MaxLimit, 1_000)]
    public void DefaultShards_Limit_GivesAboutOneShardPerCoreSecondOfSieving(long limit, int expected)
    {
        // Act
        var shards = _workload.DefaultShards(Specs.Parameters("limit", limit));

        // Assert
        Assert.Equal(expected, shards);
    }
}
