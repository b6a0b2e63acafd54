using Microsoft.Extensions.Hosting;

namespace Serverless.Local.Engine;

/// <summary>
/// A background pass that runs at start and then every interval, the local stand-in for a timer or event
/// trigger. A failed pass (storage briefly away, say) is reported and the next tick tries again.
/// </summary>
public abstract class PeriodicLoop : BackgroundService
{
    private readonly TimeSpan _interval;

    protected PeriodicLoop(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _interval = interval;
    }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected abstract void ReportFailure(Exception exception);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                ReportFailure(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
