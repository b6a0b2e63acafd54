using Serverless.Local.Engine;
using Microsoft.Extensions.Logging;
using Serverless.Batches;

namespace Serverless.Local.Batches;

/// <summary>
/// The local stand-in for the Event Grid blob trigger (Azurite has no Event Grid): lists <c>batches</c> every
/// interval and hands each blob version not yet handled by this process to <see cref="BatchService"/>. A
/// restart rescans everything, which is harmless: a version's job id is fixed, so it starts nothing twice.
/// </summary>
public sealed partial class BatchWatcher : PeriodicLoop
{
    private readonly BatchService _batches;
    private readonly IBatchStore _store;
    private readonly ILogger _logger;

    // Only the scan loop touches it; trimmed to what the last listing held, so it stays as large as the container.
    private readonly HashSet<(string Name, string ETag)> _handled = [];

    public BatchWatcher(BatchService batches, IBatchStore store, TimeSpan interval, ILogger<BatchWatcher> logger)
        : base(interval)
    {
        _batches = batches;
        _store = store;
        _logger = logger;
    }

    /// <summary>One pass over the container; returns how many blob versions were handled in it.</summary>
    public async Task<int> ScanAsync(CancellationToken cancellationToken = default)
    {
        var listed = new HashSet<(string Name, string ETag)>();
        var handled = 0;
        await foreach (var blob in _store.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (blob.Name, blob.ETag);
            listed.Add(key);
            if (_handled.Contains(key))
            {
                continue;
            }

            try
            {
                var outcome = await _batches.HandleAsync(blob, cancellationToken).ConfigureAwait(false);
                // A failed set-aside is left unmarked, so the next scan tries again (the blob stays in batches/).
                if (outcome.Status != BatchStatus.SetAsideFailed)
                {
                    _handled.Add(key);
                    handled++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogHandleFailed(_logger, ex, blob.Name);
            }
        }

        _handled.IntersectWith(listed);
        return handled;
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => ScanAsync(cancellationToken);

    // Storage briefly unavailable: say so; the next scan tries again.
    protected override void ReportFailure(Exception exception) => LogScanFailed(_logger, exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {Name} could not be handled; the next scan tries again.")]
    private static partial void LogHandleFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scanning the batches container failed; the next scan tries again.")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);
}
