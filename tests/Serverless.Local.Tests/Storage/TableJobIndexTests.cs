using Azure.Data.Tables;
using Serverless.Local.Tests.Fixtures;
using Serverless.Storage;

namespace Serverless.Local.Tests.Storage;

/// <summary>The job index's table on Azurite: order, the row-key bounds of the time filters, one entry per job.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableJobIndexTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly TableJobIndex _index;

    public TableJobIndexTests(AzuriteFixture azurite)
    {
        _index = new TableJobIndex(new TableServiceClient(azurite.ConnectionString), TestHost.NewHubName());
    }

    private async Task<List<string>> IdsAsync(JobIndexQuery query)
    {
        var ids = new List<string>();
        await foreach (var entry in _index.ListAsync(query))
        {
            ids.Add(entry.JobId);
        }

        return ids;
    }

    private async Task GivenJobsAsync()
    {
        for (var hour = 0; hour < 4; hour++)
        {
            Assert.True(await _index.TryAddAsync(new JobIndexEntry($"job{hour}", hour % 2 == 0 ? "sleep" : "primes", Start.AddHours(hour))));
        }
    }

    [Fact]
    public async Task TryReclaimAsync_OnlyAnEntryOlderThanAsked_AndOnlyForOneOfRacingCallers()
    {
        Assert.True(await _index.TryAddAsync(new JobIndexEntry("job", "sleep", Start)));
        Assert.False(await _index.TryAddAsync(new JobIndexEntry("job", "sleep", Start.AddSeconds(1))));
        var added = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        // The entry's age is the table's own write time, not the CreatedAt it holds; a reclaim rewrites it, so
        // a racer that reads after the winner's write finds it fresh, and one that read before loses on the ETag.
        var fresh = await _index.TryReclaimAsync("job", added.AddSeconds(-30));
        var racing = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _index.TryReclaimAsync("job", added.AddSeconds(0.75))));
        var missing = await _index.TryReclaimAsync("other", DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.False(fresh);
        Assert.Single(racing, won => won);
        Assert.False(missing);
        Assert.Equal(["job"], await IdsAsync(new JobIndexQuery()));
    }

    [Fact]
    public async Task ListAsync_NoFilter_NewestFirstWithTheirFields()
    {
        await GivenJobsAsync();

        var entries = new List<JobIndexEntry>();
        await foreach (var entry in _index.ListAsync(new JobIndexQuery()))
        {
            entries.Add(entry);
        }

        Assert.Equal(["job3", "job2", "job1", "job0"], entries.Select(e => e.JobId));
        Assert.Equal(new JobIndexEntry("job3", "primes", Start.AddHours(3)), entries[0]);
    }

    [Fact]
    public async Task ListAsync_TimeBounds_AreInclusiveAndCombineWithWorkloadAndAfter()
    {
        await GivenJobsAsync();

        Assert.Equal(["job2", "job1"], await IdsAsync(new JobIndexQuery(CreatedAfter: Start.AddHours(1), CreatedBefore: Start.AddHours(2))));
        Assert.Equal(["job3", "job2"], await IdsAsync(new JobIndexQuery(CreatedAfter: Start.AddMinutes(90))));
        Assert.Equal(["job0"], await IdsAsync(new JobIndexQuery(CreatedBefore: Start.AddMinutes(30))));
        Assert.Equal(["job2", "job0"], await IdsAsync(new JobIndexQuery(Workload: "sleep")));
        var afterJob2 = new JobIndexEntry("job2", "sleep", Start.AddHours(2)).Position;
        Assert.Equal(["job1", "job0"], await IdsAsync(new JobIndexQuery(After: afterJob2)));
    }

    [Fact]
    public async Task TryAddAsync_SameJobTwice_IndexesItOnce_AndRemoveAsyncTakesItOut()
    {
        await GivenJobsAsync();

        Assert.False(await _index.TryAddAsync(new JobIndexEntry("job1", "primes", Start.AddDays(1))));
        Assert.Equal(["job3", "job2", "job1", "job0"], await IdsAsync(new JobIndexQuery()));

        await _index.RemoveAsync("job1");
        await _index.RemoveAsync("job1");
        await _index.RemoveAsync("never-indexed");

        Assert.Equal(["job3", "job2", "job0"], await IdsAsync(new JobIndexQuery()));
        Assert.True(await _index.TryAddAsync(new JobIndexEntry("job1", "primes", Start.AddDays(1))));
        Assert.Equal("job1", (await IdsAsync(new JobIndexQuery()))[0]);
    }
}
