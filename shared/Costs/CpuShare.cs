namespace Serverless.Costs;

/// <summary>
/// Gives each shard call its share of the process's CPU time. Calls run concurrently and their shards are
/// async (a shard's work moves between threads), so no thread's CPU clock belongs to one call; instead the
/// process's CPU time between two starts or ends of calls is split equally among the calls running then. The
/// shares add up to the process's CPU while any call ran: exact for a call that runs alone, a fair share when
/// calls overlap, and including the host's own work meanwhile (dispatch, serialization, GC).
/// </summary>
public sealed class CpuShare
{
    private readonly Func<TimeSpan> _processCpu;
    private readonly Lock _lock = new();
    private TimeSpan _lastCpu;
    private int _running;

    // CPU seconds each running call has been given since this meter started: a call's share is the difference
    // between its end and its start, so every start and end costs O(1) whatever runs at once.
    private double _perCall;

    public CpuShare(Func<TimeSpan> processCpu)
    {
        ArgumentNullException.ThrowIfNull(processCpu);
        _processCpu = processCpu;
        _lastCpu = processCpu();
    }

    /// <summary>The meter of this process: shard calls of every host in it share its CPU.</summary>
    public static CpuShare Process { get; } = new(() => Environment.CpuUsage.TotalTime);

    /// <summary>Starts a call's share; stop it (or dispose it, on failure) when the call ends.</summary>
    public Ticket Start()
    {
        lock (_lock)
        {
            Advance();
            _running++;
            return new Ticket(this, _perCall);
        }
    }

    private double Stop(double startedAt)
    {
        lock (_lock)
        {
            Advance();
            _running--;
            return _perCall - startedAt;
        }
    }

    private void Advance()
    {
        var now = _processCpu();
        if (_running > 0)
        {
            _perCall += (now - _lastCpu).TotalSeconds / _running;
        }

        _lastCpu = now;
    }

    /// <summary>One call's running share.</summary>
    public sealed class Ticket : IDisposable
    {
        private readonly CpuShare _meter;
        private readonly double _startedAt;
        private double? _seconds;

        internal Ticket(CpuShare meter, double startedAt)
        {
            _meter = meter;
            _startedAt = startedAt;
        }

        /// <summary>Ends the call's share and returns its CPU seconds (the same value if called again).</summary>
        public double Stop() => _seconds ??= Math.Round(_meter.Stop(_startedAt), 6);

        public void Dispose() => Stop();
    }
}
