namespace Serverless.Costs;

/// <summary>
/// The Durable engine's own storage requests (its work-item and control queues, its history and instance tables),
/// estimated per job: in Azure they cannot be told apart per job, so they are estimated from the job's activity
/// calls and orchestrations. The rates were fitted on 2026-12-02 to what <c>bench scale --sizes 1000,10000</c>
/// counted with StorageRequestCounter (every request of the host, minus the job's own blob requests from its
/// manifest), once with shardsPerOrchestration 500 (10,000 shards: 443 calls, 21 orchestrations) and once with 50
/// (1,611 calls, 205 orchestrations), on a loaded 2-core machine; they reproduce the 1,000-shard jobs within about
/// 20% (BENCHMARKS.md). Dequeues include idle polling, so they grow with how long a job waits; partition lease
/// renewals are per host, not per job, and are left out.
/// </summary>
public static class EngineRequestRates
{
    private static readonly (string Kind, double PerCall, double PerOrchestration)[] Rates =
    [
        // A call: its work item put, dequeued and deleted, and its result put on the orchestration's control queue and deleted there.
        ("queue.put", 2, 2),
        ("queue.delete", 2, 2),
        ("queue.dequeue", 3.1, 1.8),
        // History and instance rows: written per orchestration episode, a share of one per call.
        ("table.query", 0.32, 4),
        ("table.write", 0.28, 4),
        ("table.batch", 0.28, 3.9),
    ];

    /// <summary>The engine's requests for <paramref name="activityCalls"/> calls in <paramref name="orchestrations"/> orchestrations, by kind, rounded.</summary>
    public static IReadOnlyDictionary<string, long> Estimate(int activityCalls, int orchestrations)
    {
        var estimate = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, perCall, perOrchestration) in Rates)
        {
            if ((long)Math.Round((perCall * activityCalls) + (perOrchestration * orchestrations)) is > 0 and var count)
            {
                estimate[kind] = count;
            }
        }

        return estimate;
    }
}
