namespace Serverless.Costs;

/// <summary>
/// The manifest's <c>cost</c>: what the job (this run of it) used, measured, plus what the Durable engine's own
/// storage requests are estimated at, and the money both come to at <see cref="CostPrices"/>.
/// </summary>
/// <param name="StorageRequests">Our own blob requests by kind, counted as they were sent.</param>
/// <param name="EstimatedEngineRequests">The engine's queue, table and blob requests, estimated from the job's calls and orchestrations (<see cref="EngineRequestRates"/>).</param>
public sealed record JobCost(
    double ActivitySeconds,
    double CpuSeconds,
    double GpuSeconds,
    int ActivityCalls,
    int Orchestrations,
    IReadOnlyDictionary<string, long> StorageRequests,
    IReadOnlyDictionary<string, long> EstimatedEngineRequests,
    CostEstimate Estimate);

/// <summary>The money: one line per meter, their total, and the date of the prices.</summary>
public sealed record CostEstimate(string Currency, decimal Total, string PricesAsOf, IReadOnlyList<CostLine> Lines);

/// <summary>One meter: how much of it (in <paramref name="Unit"/>s), at what price per unit, for how much.</summary>
public sealed record CostLine(string Item, double Quantity, string Unit, decimal UnitPrice, decimal Amount);
