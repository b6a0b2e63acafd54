using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.Storage;

namespace Serverless.Local.Storage;

/// <summary>
/// Counts a host's storage requests by service and kind (<see cref="StorageRequests"/> classifies them), in every
/// client's pipeline: ours and the Durable Task provider's. Added per retry, so a retried request counts each time
/// it is sent.
/// </summary>
public sealed class StorageRequestCounter
{
    private static readonly StorageRequestKind[] Kinds = Enum.GetValues<StorageRequestKind>();
    private readonly long[] _counts = new long[Kinds.Length];

    /// <summary>Adds the counting policy for <paramref name="service"/> to <paramref name="options"/> and returns them.</summary>
    public T AddTo<T>(T options, StorageService service)
        where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(new CountingPolicy(this, service), HttpPipelinePosition.PerRetry);
        return options;
    }

    public void Record(StorageRequestKind kind) => Interlocked.Increment(ref _counts[(int)kind]);

    /// <summary>The counts so far, every kind present (zero when none).</summary>
    public IReadOnlyDictionary<StorageRequestKind, long> Snapshot() =>
        Kinds.ToDictionary(kind => kind, kind => Interlocked.Read(ref _counts[(int)kind]));

    public void Reset()
    {
        foreach (var kind in Kinds)
        {
            Interlocked.Exchange(ref _counts[(int)kind], 0);
        }
    }

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private readonly StorageRequestCounter _counter;
        private readonly StorageService _service;

        public CountingPolicy(StorageRequestCounter counter, StorageService service)
        {
            _counter = counter;
            _service = service;
        }

        public override void OnSendingRequest(HttpMessage message)
        {
            _counter.Record(StorageRequests.Classify(_service, message));
        }
    }
}
