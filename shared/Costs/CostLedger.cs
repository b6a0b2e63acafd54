namespace Serverless.Costs;

/// <summary>
/// Turns a job's usage into its cost: the engine's requests estimated from its calls and orchestrations, then one
/// line per meter at the configured prices. Amounts are rounded to a millionth of the currency, the total is the
/// sum of the rounded lines.
/// </summary>
public static class CostLedger
{
    public const string GbSeconds = "GB-s";
    public const string Executions = "executions";
    public const string GpuSeconds = "GPU-s";
    public const string TenThousandOperations = "10k operations";

    public static JobCost Price(Usage usage, double gpuSeconds, CostPrices prices)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(prices);
        var engine = EngineRequestRates.Estimate(usage.ActivityCalls, usage.Orchestrations);
        var all = usage.StorageRequests.Concat(engine).ToList();
        long Count(Func<string, bool> kind) => all.Where(pair => kind(pair.Key)).Sum(pair => pair.Value);

        CostLine[] lines =
        [
            // Each call at the instance's memory for its whole duration: Flex bills an instance's active time once
            // however many calls overlap in it, so with concurrent calls this is an upper bound.
            Line("Functions execution time", usage.ActivitySeconds * prices.InstanceMemoryMB / 1024.0, GbSeconds, prices.PerGbSecond),
            Line("Functions executions", usage.ActivityCalls + usage.Orchestrations, Executions, prices.PerExecution),
            Line("GPU stage", gpuSeconds, GpuSeconds, prices.PerGpuSecond),
            Line("Blob writes and lists", PerTenThousand(Count(IsBlobWrite)), TenThousandOperations, prices.BlobWritePer10K),
            Line("Blob reads and other operations", PerTenThousand(Count(IsBlobRead)), TenThousandOperations, prices.BlobReadPer10K),
            Line("Queue operations (estimated)", PerTenThousand(Count(kind => kind.StartsWith("queue.", StringComparison.Ordinal))), TenThousandOperations, prices.QueuePer10K),
            Line("Table transactions (estimated)", PerTenThousand(Count(kind => kind.StartsWith("table.", StringComparison.Ordinal))), TenThousandOperations, prices.TablePer10K),
        ];
        var estimate = new CostEstimate(prices.Currency, lines.Sum(line => line.Amount), prices.AsOf, lines);
        return new JobCost(
            Math.Round(usage.ActivitySeconds, 3),
            Math.Round(usage.CpuSeconds, 3),
            Math.Round(gpuSeconds, 3),
            usage.ActivityCalls,
            usage.Orchestrations,
            usage.StorageRequests,
            engine,
            estimate);
    }

    /// <summary>Write, list and create-container are billed at the write price; delete is free; the rest at the read price.</summary>
    private static bool IsBlobWrite(string kind) => kind is "blob.write" or "blob.list";

    private static bool IsBlobRead(string kind) =>
        kind.StartsWith("blob.", StringComparison.Ordinal) && !IsBlobWrite(kind) && kind != "blob.delete";

    private static double PerTenThousand(long operations) => operations / 10_000.0;

    private static CostLine Line(string item, double quantity, string unit, decimal unitPrice) =>
        new(item, Math.Round(quantity, 6), unit, unitPrice, Math.Round((decimal)quantity * unitPrice, 6, MidpointRounding.AwayFromZero));
}
