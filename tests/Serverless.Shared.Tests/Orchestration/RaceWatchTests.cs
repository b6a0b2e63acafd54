using System.Text.Json;
using Serverless.Jobs;
using Serverless.Orchestration.Activities;
using Serverless.Storage;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Orchestration;

public sealed class RaceWatchTests
{
    private const string Partner = "results/job/shards/0-partner.json";
    private readonly InMemoryBlobStore _blobs = new();

    /// <summary>Writes the partner's call blob as another process would, its shard succeeded or failed.</summary>
    private Task<long> WritePartnerAsync(ShardStatus status)
    {
        ShardResult[] results = [new(0, 2, status, status == ShardStatus.Succeeded ? JsonSerializer.SerializeToElement(1) : null, 5, status == ShardStatus.Failed ? "boom" : null)];
        return _blobs.WriteAsync(Partner, JobJson.Serialize(new ShardResults(results)), CallMetadata.For(results, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "elsewhere:1", redrive: 0, backup: true));
    }

    [Fact]
    public async Task Written_PartnerBlobWrittenInThisProcess_CancelsAtOnce()
    {
        // Arrange: polling would only start in an hour.
        var races = new RaceWatch(_blobs);
        await using var watch = races.Start(Partner, TimeSpan.FromHours(1));

        // Act
        races.Written(Partner);

        // Assert
        Assert.True(watch.Superseded);
        Assert.True(watch.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task Start_PartnerBlobWrittenElsewhere_FoundByPolling()
    {
        // Arrange
        var races = new RaceWatch(_blobs);
        await using var watch = races.Start(Partner, TimeSpan.Zero);

        // Act: another process writes the blob (nothing here is told).
        await WritePartnerAsync(ShardStatus.Succeeded);
        var stopped = await Task.WhenAny(Task.Delay(Timeout.Infinite, watch.Token), Task.Delay(TimeSpan.FromSeconds(30)));

        // Assert
        Assert.True(watch.Superseded, "The watch did not find the partner's blob.");
        Assert.True(stopped.IsCanceled);
    }

    [Fact]
    public async Task Start_PartnerBlobWithAFailure_DoesNotStopTheCall_ItsSuccessThenDoes()
    {
        // Arrange
        var races = new RaceWatch(_blobs);
        await using var watch = races.Start(Partner, TimeSpan.Zero);

        // Act: the partner's failed result is there for three polls (at 0, 1 and 2.5 s), then it is rewritten as a success.
        await WritePartnerAsync(ShardStatus.Failed);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var supersededByFailure = watch.Superseded;
        await WritePartnerAsync(ShardStatus.Succeeded);
        var stopped = await Task.WhenAny(Task.Delay(Timeout.Infinite, watch.Token), Task.Delay(TimeSpan.FromSeconds(30)));

        // Assert
        Assert.False(supersededByFailure, "A failed partner stopped the call.");
        Assert.True(stopped.IsCanceled, "The partner's success did not stop the call.");
    }

    [Fact]
    public async Task Written_OtherBlob_LeavesTheWatchRunning()
    {
        // Arrange
        var races = new RaceWatch(_blobs);
        await using var watch = races.Start(Partner, TimeSpan.FromHours(1));

        // Act
        races.Written("results/job/shards/1-other.json");

        // Assert
        Assert.False(watch.Superseded);
    }
}
