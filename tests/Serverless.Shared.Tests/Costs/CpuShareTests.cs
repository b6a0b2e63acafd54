using Serverless.Costs;

namespace Serverless.Tests.Costs;

public sealed class CpuShareTests
{
    private TimeSpan _cpu;

    private void Burn(double seconds) => _cpu += TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Stop_CallAlone_GetsAllTheProcessCpuWhileItRan()
    {
        var meter = new CpuShare(() => _cpu);
        Burn(5); // before the call: nobody's
        var call = meter.Start();
        Burn(1.5);

        Assert.Equal(1.5, call.Stop(), 6);
    }

    [Fact]
    public void Stop_OverlappingCalls_SplitTheOverlapEquallyAndAddUpToTheProcessCpu()
    {
        var meter = new CpuShare(() => _cpu);
        var a = meter.Start();
        Burn(1);            // a alone
        var b = meter.Start();
        Burn(2);            // a and b: 1 each
        var aSeconds = a.Stop();
        Burn(3);            // b alone
        var bSeconds = b.Stop();

        Assert.Equal(2, aSeconds, 6);
        Assert.Equal(4, bSeconds, 6);
        Assert.Equal(6, aSeconds + bSeconds, 6);
    }

    [Fact]
    public void Dispose_AfterAFailure_EndsTheShareSoLaterCallsAreNotDiluted()
    {
        var meter = new CpuShare(() => _cpu);
        using (meter.Start())
        {
            Burn(1);
        }

        var next = meter.Start();
        Burn(2);

        Assert.Equal(2, next.Stop(), 6);
        Assert.Equal(2, next.Stop(), 6); // the same value again
    }
}
