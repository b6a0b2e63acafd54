namespace Serverless.Jobs;

/// <summary>Whether a job's ranges may run backup executions of their stragglers (the spec's <c>speculation</c>).</summary>
public enum SpeculationMode
{
    /// <summary>In a range's tail, a call running much longer than its finished peers gets one backup; the first result wins.</summary>
    Auto,

    /// <summary>Every call runs once (plus retries of failures).</summary>
    Off,
}
