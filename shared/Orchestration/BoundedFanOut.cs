namespace Serverless.Orchestration;

/// <summary>
/// Runs <c>count</c> durable tasks with at most <c>maxInFlight</c> outstanding, starting the next as soon as one
/// finishes (a sliding window, so one slow task does not idle the rest). Deterministic: it only awaits the
/// tasks it is given, so it is safe inside orchestrators.
/// </summary>
public static class BoundedFanOut
{
    public static async Task<T[]> RunAsync<T>(int count, int maxInFlight, Func<int, Task<T>> start, Action<T> onCompleted)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        var results = new T[count];
        var inFlight = new Dictionary<Task<T>, int>(Math.Min(count, maxInFlight));
        var next = 0;
        while (next < count || inFlight.Count > 0)
        {
            while (next < count && inFlight.Count < maxInFlight)
            {
                inFlight.Add(start(next), next);
                next++;
            }

            var finished = await Task.WhenAny(inFlight.Keys).ConfigureAwait(true);
            var result = await finished.ConfigureAwait(true);
            results[inFlight[finished]] = result;
            inFlight.Remove(finished);
            onCompleted(result);
        }

        return results;
    }
}
