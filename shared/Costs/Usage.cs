namespace Serverless.Costs;

/// <summary>
/// What part of a job used, summed as it is reduced: call blobs carry their call's usage, range records the sum
/// of their calls' or children's plus their own reduce, so the job's total is read from its root range alone.
/// </summary>
/// <param name="ActivitySeconds">Wall-clock seconds of the activity calls counted here, each timed by itself.</param>
/// <param name="CpuSeconds">CPU seconds of the shard calls: their share of the process's CPU while they ran (<see cref="CpuShare"/>).</param>
/// <param name="ActivityCalls">Activity executions counted here.</param>
/// <param name="Orchestrations">Orchestrations counted here (range sub-orchestrations; the job adds itself).</param>
/// <param name="StorageRequests">Our own storage requests by kind ("blob.read", …), counted as they were sent (<see cref="UsageScope"/>).</param>
public sealed record Usage(double ActivitySeconds, double CpuSeconds, int ActivityCalls, int Orchestrations, IReadOnlyDictionary<string, long> StorageRequests)
{
    public static Usage None { get; } = new(0, 0, 0, 0, new Dictionary<string, long>());

    public Usage Add(Usage other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var requests = new SortedDictionary<string, long>(StorageRequests.ToDictionary(), StringComparer.Ordinal);
        foreach (var (kind, count) in other.StorageRequests)
        {
            requests[kind] = requests.GetValueOrDefault(kind) + count;
        }

        return new Usage(
            ActivitySeconds + other.ActivitySeconds,
            CpuSeconds + other.CpuSeconds,
            ActivityCalls + other.ActivityCalls,
            Orchestrations + other.Orchestrations,
            requests);
    }

    public static Usage Sum(IEnumerable<Usage?> usages)
    {
        ArgumentNullException.ThrowIfNull(usages);
        return usages.Aggregate(None, (total, usage) => usage is null ? total : total.Add(usage));
    }
}
