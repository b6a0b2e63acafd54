using System.Text.RegularExpressions;
using Serverless.Jobs;
using Serverless.Local.Storage;
using Serverless.Local.Tests.Fixtures;
using Xunit.Abstractions;

namespace Serverless.Local.Tests.Engine;

/// <summary>
/// What a job leaves in the engine's history on Azurite: references, not payloads. The provider keeps one
/// row per history event in <c>{hub}History</c> (partition: the instance id) and moves large payloads to
/// the <c>{hub}-largemessages</c> container.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class HistoryTests : HostedTest
{
    // Per shard: its attempt in a call's input and its outcome in the call's result (about 100 bytes of JSON),
    // plus its share of the call's and its range's own events. Twice that leaves room; a spec or a result
    // copied per shard or per call would cost far more.
    private const int MaxHistoryBytesPerShard = 200;
    private readonly ITestOutputHelper _output;

    public HistoryTests(AzuriteFixture azurite, ITestOutputHelper output)
        : base(azurite)
    {
        _output = output;
    }

    // The shipped range size: 10,000 shards are 20 leaf ranges under the job.
    protected override Task<TestHost> StartHostAsync(AzuriteFixture azurite) => TestHost.StartAsync(azurite, shardsPerOrchestration: 500);

    [Fact]
    public async Task Primes_TenThousandShards_ExactCountEveryShardOnceAndHistoryBoundedPerShard()
    {
        var job = await Host.SubmitAsync(new { workload = "primes", shards = 10_000, maxParallelism = 1_000, parameters = new { limit = 100_000_000 } });

        var status = await Host.WaitAsync(job.Id, TimeSpan.FromMinutes(4));

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        Assert.Equal(5_761_455, status.GetProperty("output").GetProperty("result").GetProperty("primeCount").GetInt64());
        var manifest = await Host.ReadBlobAsync<JobManifest>(status.GetProperty("output").GetProperty("blobs").GetProperty("manifest").GetString()!);
        Assert.Equal(Enumerable.Range(0, 10_000), manifest.Shards.Select(s => s.Index));
        Assert.All(manifest.Shards, s => Assert.Equal(ShardStatus.Succeeded, s.Status));
        // Short shards share call blobs: far fewer blobs than shards.
        Assert.InRange(manifest.Shards.Select(s => s.Blob).Distinct().Count(), 1, 10_000 / 4);

        var history = await HistoryAsync(job.Id);
        var perShard = (double)history.Sum(e => e.Bytes) / 10_000;
        _output.WriteLine($"{history.Count} history rows and blobs, {perShard:0.0} bytes per shard");
        Assert.InRange(perShard, 1, MaxHistoryBytesPerShard);
    }

    [Fact]
    public async Task InlineItems_TenThousand_AreInNoRangeOrShardMessage()
    {
        // Not letters, so the word count's result (which lists the top words) cannot carry it.
        const string Marker = "#48151623#";
        var items = Enumerable.Range(0, 10_000).Select(i => $"{Marker} item {i}").ToArray();
        var job = await Host.SubmitAsync(new { workload = "wordcount", maxItemsPerShard = 100, input = new { items } });

        var status = await Host.WaitAsync(job.Id, TimeSpan.FromMinutes(2));

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        Assert.Equal(100, status.GetProperty("shards").GetInt32());
        var history = await HistoryAsync(job.Id);
        var holding = history.Where(e => e.Text!.Contains(Marker, StringComparison.Ordinal)).ToList();
        foreach (var entry in holding)
        {
            _output.WriteLine($"{entry.Instance} {entry.What}: {entry.Bytes} bytes");
        }

        // Only the job's own input, and the two root-level calls that take the spec's input (storing it, planning it).
        Assert.NotEmpty(holding);
        Assert.Empty(holding.Where(e => e.Instance != job.Id || !AllowedToHoldItems().IsMatch(e.What)).Select(e => $"{e.Instance} {e.What}"));
        Assert.Contains(history, e => e.Instance.StartsWith(job.Id + ":", StringComparison.Ordinal) || e.What.Contains("RunShardsActivity", StringComparison.Ordinal));
    }

    private async Task<List<HistoryEntry>> HistoryAsync(string jobId)
    {
        var entries = new List<HistoryEntry>();
        await foreach (var entry in TaskHubHistory.ReadAsync(Host.Host.ConnectionString, Host.HubName, jobId, withText: true))
        {
            // A large message's name says its event kind; the task it is for is named inside.
            entries.Add(entry.What.Contains('/', StringComparison.Ordinal) ? entry with { What = $"{entry.What} {TaskName().Match(entry.Text!).Groups[1].Value}" } : entry);
        }

        return entries;
    }

    [GeneratedRegex("ExecutionStarted|StoreSpecActivity|PlanItemsActivity")]
    private static partial Regex AllowedToHoldItems();

    [GeneratedRegex("\"Name\":\"(\\w+)\"")]
    private static partial Regex TaskName();

}
