using System.Collections.Concurrent;
using Serverless.Storage;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Stops a shard call early once the other execution of its shards (its backup, or the original a backup runs
/// beside) has written its blob with every shard succeeded: that one's result is taken, and the engine keeps an
/// orchestration running until every activity it scheduled has returned, so a loser left to run would hold its
/// job open. A blob written in this process cancels its partner at once; one written elsewhere is found by
/// polling its listing (the call metadata says whether any shard failed), from the moment the call could have a
/// backup, with a growing interval.
/// </summary>
public sealed class RaceWatch
{
    private static readonly TimeSpan FirstInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(10);
    private readonly IBlobStore _blobs;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _waiting = new(StringComparer.Ordinal);

    public RaceWatch(IBlobStore blobs)
    {
        _blobs = blobs;
    }

    /// <summary>Watches for <paramref name="partnerBlob"/>, polling from <paramref name="after"/> on, until the returned watch is disposed.</summary>
    public Watch Start(string partnerBlob, TimeSpan after) => new(this, partnerBlob, after);

    /// <summary>A call in this process wrote <paramref name="blob"/>: the call racing it (if it runs here) has lost.</summary>
    public void Written(string blob)
    {
        if (_waiting.TryGetValue(blob, out var superseded))
        {
            try
            {
                superseded.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That call finished meanwhile: nothing left to stop.
            }
        }
    }

    public sealed class Watch : IAsyncDisposable
    {
        private readonly RaceWatch _owner;
        private readonly string _partnerBlob;
        private readonly CancellationTokenSource _superseded = new();
        private readonly CancellationTokenSource _done = new();
        private readonly Task _polling;

        internal Watch(RaceWatch owner, string partnerBlob, TimeSpan after)
        {
            (_owner, _partnerBlob) = (owner, partnerBlob);
            // A duplicate delivery of the same call may already wait here; it then relies on polling alone.
            owner._waiting.TryAdd(partnerBlob, _superseded);
            _polling = PollAsync(after);
        }

        /// <summary>Canceled when the partner has finished first.</summary>
        public CancellationToken Token => _superseded.Token;

        public bool Superseded => _superseded.IsCancellationRequested;

        public async ValueTask DisposeAsync()
        {
            _owner._waiting.TryRemove(new KeyValuePair<string, CancellationTokenSource>(_partnerBlob, _superseded));
            await _done.CancelAsync().ConfigureAwait(false);
            await _polling.ConfigureAwait(false);
            _done.Dispose();
            _superseded.Dispose();
        }

        private async Task PollAsync(TimeSpan after)
        {
            try
            {
                await Task.Delay(after, _done.Token).ConfigureAwait(false);
                var interval = FirstInterval;
                while (!_superseded.IsCancellationRequested && !await PartnerSucceededAsync().ConfigureAwait(false))
                {
                    await Task.Delay(interval, _done.Token).ConfigureAwait(false);
                    interval = interval * 1.5 < MaxInterval ? interval * 1.5 : MaxInterval;
                }

                await _superseded.CancelAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_done.IsCancellationRequested)
            {
                // The call finished first.
            }
        }

        private async Task<bool> PartnerSucceededAsync()
        {
            try
            {
                var listed = await _owner._blobs.ListPageAsync(_partnerBlob, 1, continuationToken: null, _done.Token).ConfigureAwait(false);
                return listed.Blobs is [var blob] && blob.Path == _partnerBlob && CallMetadata.Read(blob) is { Failed: 0 };
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed poll (storage busy or briefly away) is tried again at the next interval.
                return false;
            }
        }
    }
}
