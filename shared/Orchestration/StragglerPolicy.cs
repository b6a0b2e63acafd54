namespace Serverless.Orchestration;

/// <summary>
/// Decides when a running shard call is a straggler, from how long its finished peers in the same range took:
/// once at least <see cref="MinFinishedPeers"/> have returned, a call running longer than
/// max(<see cref="MedianMultiple"/> × median, median + <see cref="Floor"/>) is one. The multiple keeps ordinary
/// spread from triggering backups; the floor keeps sub-second calls (whose times are mostly queueing noise)
/// from being backed up after a few hundred milliseconds. Durations are times the orchestration measured on
/// its own clock, so the decision replays identically.
/// </summary>
public sealed class StragglerPolicy
{
    public const int MinFinishedPeers = 5;
    public const double MedianMultiple = 3;
    public static readonly TimeSpan Floor = TimeSpan.FromSeconds(1);

    // Kept sorted, so the median is a lookup; a leaf range has at most a few hundred calls.
    private readonly List<TimeSpan> _finished = [];

    /// <summary>How long a call may run before it is a straggler; null while too few peers have finished.</summary>
    public TimeSpan? Threshold
    {
        get
        {
            if (_finished.Count < MinFinishedPeers)
            {
                return null;
            }

            var middle = _finished.Count / 2;
            var median = _finished.Count % 2 == 1 ? _finished[middle] : (_finished[middle - 1] + _finished[middle]) / 2;
            var scaled = median * MedianMultiple;
            var floored = median + Floor;
            return scaled > floored ? scaled : floored;
        }
    }

    /// <summary>Adds the duration of a call whose result was taken (a race's loser is not a peer).</summary>
    public void Observe(TimeSpan duration)
    {
        var clamped = duration < TimeSpan.Zero ? TimeSpan.Zero : duration;
        var at = _finished.BinarySearch(clamped);
        _finished.Insert(at < 0 ? ~at : at, clamped);
    }

    /// <summary>When a call started at <paramref name="startedAt"/> becomes a straggler; null while too few peers have finished.</summary>
    public DateTime? StragglerAt(DateTime startedAt) => Threshold is { } threshold ? startedAt + threshold : null;
}
