using Microsoft.Extensions.Configuration;

namespace Serverless.Costs;

/// <summary>
/// The prices a job's cost is estimated with: host.json <c>serverless:prices</c>, each value defaulting to the list
/// price below (USD, pay as you go, no free grants: those are per subscription and month, not per job). The
/// defaults are list prices as published on the pages named, read on <see cref="DefaultAsOf"/>; check them
/// before relying on them, and set your region's and agreement's prices in host.json (or
/// <c>AzureFunctionsJobHost__serverless__prices__{name}</c>).
/// </summary>
public sealed record CostPrices
{
    public const string DefaultAsOf = "2026-12-02";

    public string Currency { get; init; } = "USD";

    /// <summary>The date the prices were taken from their sources.</summary>
    public string AsOf { get; init; } = DefaultAsOf;

    /// <summary>The Flex Consumption instance memory the app runs with: infra's <c>functionInstanceMemoryMB</c> (2048).</summary>
    public int InstanceMemoryMB { get; init; } = 2048;

    /// <summary>
    /// Flex Consumption, on demand, per GB-second of instance memory while executing: $0.000026 as listed on
    /// modal.com/blog/azure-function-pricing-guide (May 2025, East US), quoting azure.microsoft.com/pricing/details/functions.
    /// </summary>
    public decimal PerGbSecond { get; init; } = 0.000026m;

    /// <summary>
    /// Flex Consumption, on demand, per execution: $0.40 per million, as listed on azure.microsoft.com/pricing/details/functions
    /// (not reachable from here; check it).
    /// </summary>
    public decimal PerExecution { get; init; } = 0.40m / 1_000_000;

    /// <summary>
    /// The GPU stage's serverless GPU per second. No Container Apps serverless GPU list price was reachable from here:
    /// this is the per-second rate of the Azure VM with one T4 (NC4as_T4_v3, $0.526 an hour, East US), the profile
    /// infra deploys by default; an A100 (NC24ads_A100_v4, $3.673 an hour) is 0.00102. Check
    /// azure.microsoft.com/pricing/details/container-apps and set yours.
    /// </summary>
    public decimal PerGpuSecond { get; init; } = 0.000146m;

    /// <summary>
    /// Blob Storage hot tier, LRS: write operations (and list and create-container, billed alike) per 10,000: $0.065
    /// (azure.microsoft.com/pricing/details/storage/blobs, as copied in github.com/mitchpaulus/dotfiles notes/azure.md).
    /// </summary>
    public decimal BlobWritePer10K { get; init; } = 0.065m;

    /// <summary>Blob Storage hot tier, LRS: read and all other operations (delete is free) per 10,000: $0.005 (same source).</summary>
    public decimal BlobReadPer10K { get; init; } = 0.005m;

    /// <summary>Queue Storage (general purpose v2, LRS) per 10,000 operations: $0.004 (azure.microsoft.com/pricing/details/storage/queues; check it).</summary>
    public decimal QueuePer10K { get; init; } = 0.004m;

    /// <summary>Table Storage (LRS) per 10,000 transactions: $0.00036 (azure.microsoft.com/pricing/details/storage/tables; check it).</summary>
    public decimal TablePer10K { get; init; } = 0.00036m;

    /// <summary>Reads host.json's <c>serverless:prices</c>; a missing value keeps its default.</summary>
    public static CostPrices From(IConfiguration prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        var defaults = new CostPrices();
        return new CostPrices
        {
            Currency = prices["currency"] ?? defaults.Currency,
            AsOf = prices["asOf"] ?? defaults.AsOf,
            InstanceMemoryMB = prices.GetValue("instanceMemoryMB", defaults.InstanceMemoryMB),
            PerGbSecond = prices.GetValue("perGbSecond", defaults.PerGbSecond),
            PerExecution = prices.GetValue("perExecution", defaults.PerExecution),
            PerGpuSecond = prices.GetValue("perGpuSecond", defaults.PerGpuSecond),
            BlobWritePer10K = prices.GetValue("blobWritePer10K", defaults.BlobWritePer10K),
            BlobReadPer10K = prices.GetValue("blobReadPer10K", defaults.BlobReadPer10K),
            QueuePer10K = prices.GetValue("queuePer10K", defaults.QueuePer10K),
            TablePer10K = prices.GetValue("tablePer10K", defaults.TablePer10K),
        };
    }
}
