using Microsoft.Extensions.Configuration;
using Serverless.Costs;
using Serverless.Stages;

namespace Serverless.Api;

/// <summary>Settings both hosts read from host.json's "serverless" section.</summary>
public sealed record JobEngineOptions(int ShardsPerOrchestration = JobEngineOptions.DefaultShardsPerOrchestration)
{
    public const int DefaultShardsPerOrchestration = 500;

    /// <summary>host.json <c>serverless:gpuStage</c>: poll every 30 s, give up after an hour, unless set.</summary>
    public GpuStageSettings GpuStage { get; init; } = new(PollIntervalSeconds: 30, TimeoutSeconds: 3600);

    public const int DefaultRetentionDays = 30;

    /// <summary>host.json <c>serverless:retentionDays</c>: finished jobs older than this are purged, with their results; 0 keeps them forever.</summary>
    public int RetentionDays { get; init; } = DefaultRetentionDays;

    /// <summary>host.json <c>serverless:prices</c>: what a job's cost is estimated at (<see cref="CostPrices"/> has the defaults and their sources).</summary>
    public CostPrices Prices { get; init; } = new();

    /// <summary>Reads host.json's "serverless" section; both hosts call this, so both read the same names.</summary>
    public static JobEngineOptions From(IConfiguration serverless)
    {
        ArgumentNullException.ThrowIfNull(serverless);
        var defaults = new JobEngineOptions();
        return new JobEngineOptions(serverless.GetValue("shardsPerOrchestration", DefaultShardsPerOrchestration))
        {
            GpuStage = new GpuStageSettings(
                serverless.GetValue("gpuStage:pollIntervalSeconds", defaults.GpuStage.PollIntervalSeconds),
                serverless.GetValue("gpuStage:timeoutSeconds", defaults.GpuStage.TimeoutSeconds)),
            RetentionDays = Math.Max(0, serverless.GetValue("retentionDays", DefaultRetentionDays)),
            Prices = CostPrices.From(serverless.GetSection("prices")),
        };
    }

    // Ranges split by powers of this number, so it must be at least 2.
    public int ShardsPerOrchestration { get; init; } = ShardsPerOrchestration >= 2
        ? ShardsPerOrchestration
        : throw new ArgumentOutOfRangeException(nameof(ShardsPerOrchestration), ShardsPerOrchestration, "shardsPerOrchestration must be at least 2.");
}
