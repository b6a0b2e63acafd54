namespace Serverless.Orchestration;

/// <summary>
/// Decides how many shards one activity call carries. Every activity costs a handful of queue and table
/// operations, so millisecond shards are grouped until a call lasts about <see cref="TargetActivityMilliseconds"/>;
/// second-long shards stay one per call. Until a first shard has reported its duration only a few single-shard
/// probes run. Deterministic: it only sees durations that activities returned, which replay identically.
/// </summary>
public sealed class BatchSizer
{
    public const double TargetActivityMilliseconds = 250;
    public const int MaxShardsPerActivity = 32;
    public const int ProbeActivities = 4;

    private double _totalMilliseconds;
    private int _observed;

    public bool HasEstimate => _observed > 0;

    public void Observe(double durationMilliseconds)
    {
        _totalMilliseconds += Math.Max(0, durationMilliseconds);
        _observed++;
    }

    /// <summary>Shards for the next call, given how many are ready and how many more may run now.</summary>
    public int NextBatchSize(int ready, int freeSlots)
    {
        var wanted = HasEstimate
            ? (int)Math.Clamp(TargetActivityMilliseconds / Math.Max(_totalMilliseconds / _observed, 0.01), 1, MaxShardsPerActivity)
            : 1;
        return Math.Max(0, Math.Min(wanted, Math.Min(ready, freeSlots)));
    }

    /// <summary>Whether another call may start now: without an estimate, only the probes.</summary>
    public bool MayStart(int activitiesInFlight) => HasEstimate || activitiesInFlight < ProbeActivities;
}
