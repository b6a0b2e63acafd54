using Microsoft.Extensions.Logging;
using Serverless.Api;

namespace Serverless.Local.Engine;

/// <summary>
/// The local stand-in for the Functions app's retention timer: at start and then every interval, purges the
/// finished jobs older than host.json's <c>serverless:retentionDays</c>.
/// </summary>
public sealed partial class RetentionLoop : PeriodicLoop
{
    private readonly JobService _jobs;
    private readonly ILogger _logger;

    public RetentionLoop(JobService jobs, TimeSpan interval, ILogger<RetentionLoop> logger)
        : base(interval)
    {
        _jobs = jobs;
        _logger = logger;
    }

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var purged = await _jobs.PurgeExpiredAsync(cancellationToken).ConfigureAwait(false);
        if (purged.Count > 0)
        {
            LogPurged(_logger, purged.Count, _jobs.Options.RetentionDays);
        }
    }

    protected override void ReportFailure(Exception exception) => LogFailed(_logger, exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention purged {Count} finished jobs older than {Days} days.")]
    private static partial void LogPurged(ILogger logger, int count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention purge failed; it runs again at the next interval.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
