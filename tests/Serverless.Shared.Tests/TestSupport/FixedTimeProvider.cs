namespace Serverless.Tests.TestSupport;

/// <summary>A clock that always says the same time.</summary>
public sealed class FixedTimeProvider : TimeProvider
{
    public FixedTimeProvider(DateTimeOffset now)
    {
        Now = now;
    }

    public DateTimeOffset Now { get; }

    public override DateTimeOffset GetUtcNow() => Now;
}
