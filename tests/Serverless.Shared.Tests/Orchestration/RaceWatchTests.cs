using Serverless.Orchestration.Activities;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Orchestration;

public sealed class RaceWatchTests
{
    private const string Partner = "results/job/shards/0-partner.json";
    private readonly InMemoryBlobStore _blobs = new();

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
        await _blobs.WriteAsync(Partner, BinaryData.FromString("{}"));
        var stopped = await Task.WhenAny(Task.Delay(Timeout.Infinite, watch.Token), Task.Delay(TimeSpan.FromSeconds(30)));

        // Assert
        Assert.True(watch.Superseded, "The watch did not find the partner's blob.");
        Assert.True(stopped.IsCanceled);
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
