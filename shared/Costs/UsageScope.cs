using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Serverless.Storage;

namespace Serverless.Costs;

/// <summary>
/// Counts the storage requests of one activity call: the call opens a scope, and every request our blob client
/// sends in the call's async flow (its tasks included) is added to it by the policy <see cref="CountIn"/> installs.
/// Requests are counted per send, retries included, so streamed reads count each ranged request.
/// </summary>
public sealed class UsageScope : IDisposable
{
    private static readonly AsyncLocal<UsageScope?> Current = new();
    private static readonly StorageRequestKind[] Kinds = Enum.GetValues<StorageRequestKind>();
    private readonly long[] _requests = new long[Kinds.Length];
    private readonly UsageScope? _outer;
    private readonly long _startedAt = TimeProvider.System.GetTimestamp();

    private UsageScope(UsageScope? outer)
    {
        _outer = outer;
    }

    /// <summary>Opens a scope for the calling flow; dispose it where the call ends.</summary>
    public static UsageScope Begin()
    {
        var scope = new UsageScope(Current.Value);
        Current.Value = scope;
        return scope;
    }

    /// <summary>Adds the counting policy to the options of a blob client; requests outside any scope are not counted.</summary>
    public static BlobClientOptions CountIn(BlobClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(new CountingPolicy(), HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>
    /// Counts a request the call is about to make: the write of the blob that records this usage cannot count
    /// itself into that blob.
    /// </summary>
    public void Add(StorageRequestKind kind) => Interlocked.Increment(ref _requests[(int)kind]);

    /// <summary>
    /// This call as usage: one activity execution, its time since the scope opened, the CPU given, and the
    /// requests counted so far (kinds with none left out).
    /// </summary>
    public Usage ToUsage(double cpuSeconds = 0)
    {
        var requests = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var kind in Kinds)
        {
            if (Interlocked.Read(ref _requests[(int)kind]) is > 0 and var count)
            {
                requests[StorageRequests.Name(kind)] = count;
            }
        }

        return new Usage(Math.Round(TimeProvider.System.GetElapsedTime(_startedAt).TotalSeconds, 6), cpuSeconds, 1, 0, requests);
    }

    public void Dispose() => Current.Value = _outer;

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) =>
            Current.Value?.Add(StorageRequests.Classify(StorageService.Blob, message));
    }
}
