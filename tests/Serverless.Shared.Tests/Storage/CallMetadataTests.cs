using System.Text.Json;
using Serverless.Jobs;
using Serverless.Storage;

namespace Serverless.Tests.Storage;

public sealed class CallMetadataTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public void WrittenForABatch_ReadsBackAsOneCallSpanningItsShards()
    {
        ShardResult[] results =
        [
            new(4, 1, ShardStatus.Succeeded, JsonSerializer.SerializeToElement(1), 100, null, null, Start, Start.AddMilliseconds(100), "host-a:17"),
            new(5, 2, ShardStatus.Failed, null, 250, "InvalidOperationException: boom", null, Start.AddMilliseconds(20), Start.AddMilliseconds(270), "host-a:17"),
        ];

        var call = CallMetadata.Read(new BlobEntry("results/j/shards/4-ab.json", 10, "e", CallMetadata.For(results, Start, Start.AddMilliseconds(270), "host-a:17", redrive: 1, backup: true)));

        Assert.NotNull(call);
        Assert.Equal(4, call.First);
        Assert.Equal([4, 5], call.Shards);
        Assert.Equal(2, call.Attempt);
        Assert.Equal(Start, call.StartedAt);
        Assert.Equal(Start.AddMilliseconds(270), call.EndedAt);
        Assert.Equal(270, call.DurationMs);
        Assert.Equal("host-a:17", call.Worker);
        Assert.Equal((1, 1), (call.Succeeded, call.Failed));
        Assert.True(call.Backup);
        Assert.Equal(1, call.Redrive);
        Assert.Equal("InvalidOperationException: boom", call.Error);
    }

    [Fact]
    public void Values_AreHeaderSafe_LongErrorsCut()
    {
        var error = "Fehler: Größe " + new string('x', 1000) + "\r\nnext line";
        ShardResult[] results = [new(0, 1, ShardStatus.Failed, null, 1, error, null, Start, Start, "hôst:1")];

        var metadata = CallMetadata.For(results, Start, Start, "hôst:1", redrive: 0, backup: false);

        Assert.All(metadata.Values, value => Assert.All(value, c => Assert.InRange(c, ' ', '~')));
        Assert.InRange(metadata["error"].Length, 1, 300);
        Assert.StartsWith("Fehler: Gr??e", metadata["error"], StringComparison.Ordinal);
        Assert.Equal("h?st:1", metadata["worker"]);
    }

    [Fact]
    public void BlobWithoutCallMetadata_IsNoCall()
    {
        Assert.Null(CallMetadata.Read(new BlobEntry("results/j/shards/0-ab.json", 10, "e")));
        Assert.Null(CallMetadata.Read(new BlobEntry("results/j/shards/0-ab.json", 10, "e", new Dictionary<string, string> { ["other"] = "1" })));
    }
}
