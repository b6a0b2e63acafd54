using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Api;

namespace Serverless.Local.Engine;

/// <summary>
/// The local stand-in for the Functions app's retention timer: at start and then every interval, purges the
/// finished jobs older than host.json's <c>serverless:retentionDays</c>.
/// </summary>
public sealed partial class RetentionLoop : BackgroundService
{
    private readonly JobService _jobs;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;

    public RetentionLoop(JobService jobs, TimeSpan interval, ILogger<RetentionLoop> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _jobs = jobs;
        _interval = interval;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        do
        {
            try
            {
                var purged = await _jobs.PurgeExpiredAsync(stoppingToken).ConfigureAwait(false);
                if (purged.Count > 0)
                {
                    LogPurged(_logger, purged.Count, _jobs.Options.RetentionDays);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention purged {Count} finished jobs older than {Days} days.")]
    private static partial void LogPurged(ILogger logger, int count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention purge failed; it runs again at the next interval.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
