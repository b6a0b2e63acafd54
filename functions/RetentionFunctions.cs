using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Serverless.Functions;

/// <summary>
/// Retention: once a day, purges finished jobs older than host.json's <c>serverless:retentionDays</c> (history,
/// index entry and results). The local host runs the same purge in a background loop.
/// </summary>
public sealed partial class RetentionFunctions
{
    private readonly JobServices _jobs;
    private readonly ILogger<RetentionFunctions> _logger;

    public RetentionFunctions(JobServices jobs, ILogger<RetentionFunctions> logger)
    {
        _jobs = jobs;
        _logger = logger;
    }

    /// <summary>03:17 UTC daily: off the hour, when fewer timers fire.</summary>
    [Function("PurgeExpiredJobs")]
    public async Task RunAsync([TimerTrigger("0 17 3 * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var purged = await _jobs.For(client).PurgeExpiredAsync(context.CancellationToken).ConfigureAwait(false);
        LogPurged(_logger, purged.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention purged {Count} finished jobs.")]
    private static partial void LogPurged(ILogger logger, int count);
}
