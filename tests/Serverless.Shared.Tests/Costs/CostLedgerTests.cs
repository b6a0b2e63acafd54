using Microsoft.Extensions.Configuration;
using Serverless.Costs;

namespace Serverless.Tests.Costs;

public sealed class CostLedgerTests
{
    private static readonly CostPrices Prices = new();

    private static Usage Used(double activitySeconds = 0, int calls = 0, int orchestrations = 0, params (string Kind, long Count)[] requests) =>
        new(activitySeconds, 0, calls, orchestrations, requests.ToDictionary(r => r.Kind, r => r.Count));

    private static CostLine LineOf(JobCost cost, string unit, string itemStart) =>
        Assert.Single(cost.Estimate.Lines, line => line.Unit == unit && line.Item.StartsWith(itemStart, StringComparison.Ordinal));

    [Fact]
    public void Price_ActivitySeconds_AreBilledAsGbSecondsOfTheInstanceMemory()
    {
        var cost = CostLedger.Price(Used(activitySeconds: 100), 0, Prices with { InstanceMemoryMB = 2048, PerGbSecond = 0.000026m });

        var line = LineOf(cost, CostLedger.GbSeconds, "Functions execution time");
        Assert.Equal(200, line.Quantity);
        Assert.Equal(0.0052m, line.Amount);
    }

    [Fact]
    public void Price_Executions_AreCallsPlusOrchestrations()
    {
        var cost = CostLedger.Price(Used(calls: 999_990, orchestrations: 10), 0, Prices with { PerExecution = 0.40m / 1_000_000 });

        var line = LineOf(cost, CostLedger.Executions, "Functions executions");
        Assert.Equal(1_000_000, line.Quantity);
        Assert.Equal(0.40m, line.Amount);
    }

    [Fact]
    public void Price_GpuSeconds_AtTheGpuPrice()
    {
        var cost = CostLedger.Price(Used(), 12.5, Prices with { PerGpuSecond = 0.001m });

        Assert.Equal(12.5, cost.GpuSeconds);
        Assert.Equal(0.0125m, LineOf(cost, CostLedger.GpuSeconds, "GPU").Amount);
    }

    [Fact]
    public void Price_BlobOperations_PerTenThousandByClass_AmountsRoundedToAMillionth()
    {
        var cost = CostLedger.Price(
            Used(requests: [("blob.write", 12_000), ("blob.list", 345), ("blob.read", 9_000), ("blob.lease", 1_000), ("blob.delete", 50_000)]),
            0,
            Prices with { BlobWritePer10K = 0.065m, BlobReadPer10K = 0.005m });

        // Writes and lists are one class; reads and leases another; deletes are free.
        var writes = LineOf(cost, CostLedger.TenThousandOperations, "Blob writes");
        Assert.Equal(1.2345, writes.Quantity);
        Assert.Equal(0.080243m, writes.Amount); // 1.2345 × 0.065 = 0.0802425, rounded half away from zero
        var reads = LineOf(cost, CostLedger.TenThousandOperations, "Blob reads");
        Assert.Equal(1, reads.Quantity);
        Assert.Equal(0.005m, reads.Amount);
    }

    [Fact]
    public void Price_EngineRequests_AreEstimatedFromCallsAndOrchestrationsAndPricedAsQueueAndTableOperations()
    {
        var cost = CostLedger.Price(Used(calls: 10_000, orchestrations: 20), 0, Prices);

        Assert.Equal(EngineRequestRates.Estimate(10_000, 20), cost.EstimatedEngineRequests);
        Assert.Empty(cost.StorageRequests);
        var queue = LineOf(cost, CostLedger.TenThousandOperations, "Queue operations (estimated)");
        Assert.Equal(cost.EstimatedEngineRequests.Where(r => r.Key.StartsWith("queue.", StringComparison.Ordinal)).Sum(r => r.Value) / 10_000.0, queue.Quantity);
        Assert.True(LineOf(cost, CostLedger.TenThousandOperations, "Table transactions (estimated)").Amount > 0);
    }

    [Fact]
    public void Price_Total_IsTheSumOfTheRoundedLines_WithCurrencyAndDate()
    {
        var cost = CostLedger.Price(Used(activitySeconds: 33.3, calls: 1_234, orchestrations: 3, ("blob.write", 1_237), ("blob.read", 1_240)), 4, Prices);

        Assert.Equal(cost.Estimate.Lines.Sum(line => line.Amount), cost.Estimate.Total);
        Assert.All(cost.Estimate.Lines, line => Assert.Equal(Math.Round(line.Amount, 6), line.Amount));
        Assert.Equal("USD", cost.Estimate.Currency);
        Assert.Equal(CostPrices.DefaultAsOf, cost.Estimate.PricesAsOf);
        Assert.Equal(7, cost.Estimate.Lines.Count);
    }

    [Fact]
    public void EngineEstimate_IsLinear_SoAShardCostsTheSameInAJobTenTimesLarger()
    {
        // Batches of about 22 shards a call and 500 shards a leaf range, as bench scale ran them.
        var small = EngineRequestRates.Estimate(45, 3);
        var large = EngineRequestRates.Estimate(450, 30);

        Assert.Equal(small.Keys, large.Keys);
        Assert.All(small, pair => Assert.InRange(large[pair.Key], (10 * pair.Value) - 5, (10 * pair.Value) + 5));
    }

    [Fact]
    public void From_Configuration_OverridesWhatItSetsAndKeepsTheOtherDefaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["prices:currency"] = "EUR",
            ["prices:asOf"] = "2027-01-31",
            ["prices:instanceMemoryMB"] = "4096",
            ["prices:perGbSecond"] = "0.00002",
            ["prices:perGpuSecond"] = "0.001",
        }).Build();

        var prices = CostPrices.From(configuration.GetSection("prices"));

        Assert.Equal(new CostPrices { Currency = "EUR", AsOf = "2027-01-31", InstanceMemoryMB = 4096, PerGbSecond = 0.00002m, PerGpuSecond = 0.001m }, prices);
        var cost = CostLedger.Price(Used(activitySeconds: 10), 0, prices);
        Assert.Equal(0.0008m, LineOf(cost, CostLedger.GbSeconds, "Functions").Amount); // 10 s × 4 GB × 0.00002
        Assert.Equal("EUR", cost.Estimate.Currency);
    }

    [Fact]
    public void From_EmptySection_IsTheDefaults() =>
        Assert.Equal(new CostPrices(), CostPrices.From(new ConfigurationBuilder().Build().GetSection("prices")));
}
