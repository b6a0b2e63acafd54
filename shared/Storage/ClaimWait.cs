namespace Serverless.Storage;

/// <summary>
/// A caller that lost a claim (an index row, a create-only blob) waits for the holder to publish what it claimed:
/// it looks, then looks again after a pause, a bounded number of times.
/// </summary>
public static class ClaimWait
{
    /// <summary>What <paramref name="look"/> found, or null when it found nothing in <paramref name="looks"/> tries.</summary>
    public static async Task<T?> ForAsync<T>(Func<Task<T?>> look, int looks, TimeSpan pause, TimeProvider time, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(look);
        for (var i = 0; i < looks; i++)
        {
            if (await look().ConfigureAwait(false) is { } found)
            {
                return found;
            }

            await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }
}
