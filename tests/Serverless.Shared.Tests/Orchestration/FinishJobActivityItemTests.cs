using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Items;
using Serverless.Costs;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Orchestration.Activities;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Orchestration;

/// <summary>How item jobs are judged and finished: item failures count against the tolerance, failed lines are made absolute.</summary>
public sealed class FinishJobActivityItemTests
{
    private const string JobId = "job-items-finish";
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    private readonly InMemoryBlobStore _blobs = new();
    private readonly FailingItemsWorkload _failing = new();
    private readonly WorkloadCatalog _catalog;
    private readonly RangeReducer _reducer;
    private readonly JobDocuments _documents;
    private readonly FinishJobActivity _finish;
    private readonly RunShardsActivity _run;

    public FinishJobActivityItemTests()
    {
        _catalog = new WorkloadCatalog([.. WorkloadCatalog.BuiltIn(_blobs), _failing]);
        _reducer = new RangeReducer(_catalog, _blobs);
        _documents = new JobDocuments(_blobs);
        _finish = new FinishJobActivity(_catalog, _blobs, _reducer, _documents, new FixedTimeProvider(Now), new CostPrices());
        _run = new RunShardsActivity(_catalog, _blobs, _documents);
    }

    private static JobSpec ItemSpec(string workload, ItemInput input, int shards, double tolerance) =>
        new(workload, new Dictionary<string, JsonElement>(), shards, 10, Specs.FastRetry(), tolerance, 0, input);

    private static RangeSummary Root(int succeeded, int failed) => new(0, succeeded + failed, succeeded, failed, "results/j/ranges/0-1.json");

    private static ItemSummary Items(long succeeded, long failed) => new(succeeded + failed, succeeded, failed, 1_000, [], null);

    private static JobSpec Spec(double tolerance) =>
        ItemSpec("wordcount", new ItemInput("data/a.txt", ItemFormat.Text, null, null, null, 1_000, 100), 4, tolerance);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 5)]
    [InlineData(4.99, 5)]
    [InlineData(50, 51)]
    public void Judge_ItemFailuresAboveTolerance_FailedSayingItemsFailed(double tolerance, long failed)
    {
        // Act: every shard succeeded; some of 100 items failed.
        var (status, error) = FinishJobActivity.Judge(Spec(tolerance), Root(4, 0), Items(100 - failed, failed));

        // Assert
        Assert.Equal(JobResultStatus.Failed, status);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{failed} of 100 items failed ({failed}%)"), error, StringComparison.Ordinal);
        Assert.Contains("more than the tolerated", error, StringComparison.Ordinal);
        Assert.DoesNotContain("shards failed", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(10, 1)]
    [InlineData(100, 99)]
    public void Judge_ItemFailuresWithinTolerance_CompletedWithFailures(double tolerance, long failed)
    {
        // Act
        var (status, error) = FinishJobActivity.Judge(Spec(tolerance), Root(4, 0), Items(100 - failed, failed));

        // Assert
        Assert.Equal(JobResultStatus.CompletedWithFailures, status);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{failed} of 100 items failed"), error, StringComparison.Ordinal);
        Assert.Contains("within the tolerated", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_NoItemOrShardFailed_Completed()
    {
        // Act
        var (status, error) = FinishJobActivity.Judge(Spec(0), Root(4, 0), Items(100, 0));

        // Assert
        Assert.Equal(JobResultStatus.Completed, status);
        Assert.Null(error);
    }

    [Fact]
    public void Judge_ShardsAndItemsFailed_TheLargerShareDecidesAndBothAreNamed()
    {
        // Act: 1 of 4 shards (25%) and 2 of 100 items (2%) against a 10% tolerance.
        var (status, error) = FinishJobActivity.Judge(Spec(10), Root(3, 1), Items(98, 2));

        // Assert
        Assert.Equal(JobResultStatus.Failed, status);
        Assert.Contains("1 of 4 shards failed (25%) and 2 of 100 items failed (2%)", error, StringComparison.Ordinal);
    }

    /// <summary>Runs shards through the activity (all of them, or those listed), reduces them in one range, and finishes.</summary>
    private async Task<JobOutcome> RunJobAsync(JobSpec spec, long inputSize, int redrive = 0, IReadOnlyCollection<int>? failAsAWhole = null)
    {
        await _documents.StoreSpecAsync(JobId, spec);
        var job = new ShardJob(spec.Workload, spec.Shards, 0, spec.Retry, inputSize);
        var blobs = new List<string>();
        var lost = new List<ShardResult>();
        for (var n = 0; n < spec.Shards; n++)
        {
            if (failAsAWhole?.Contains(n) == true)
            {
                lost.Add(new ShardResult(n, spec.Retry.MaxAttempts, ShardStatus.Failed, null, 0, "the shard failed"));
                continue;
            }

            var call = await _run.ExecuteAsync(new RunShardsInput(JobId, job, [new ShardAttempt(n, 1)], redrive));
            Assert.True(Assert.Single(call.Shards).Succeeded);
            blobs.Add(call.Blob!);
        }

        var root = await _reducer.ReduceShardsAsync(new ReduceShardsInput(JobId, spec.Workload, 0, spec.Shards, blobs, lost, redrive));
        return await _finish.ExecuteAsync(new FinishJobInput(JobId, spec.Shards, root, inputSize, redrive));
    }

    private List<JsonElement> ReadLines(string path) =>
        [.. _blobs.Get(path).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public async Task ExecuteAsync_CsvWithMalformedRowInALaterShard_ManifestCountsItemsAndFailedLineIsAbsolute()
    {
        // Arrange: a header and 60 rows of 3 fields; row at line 41 has 4 fields.
        const int BadLine = 41;
        var csv = new StringBuilder("id,name,text\n");
        var offsets = new List<long> { 0 };
        for (var line = 2; line <= 61; line++)
        {
            offsets.Add(Encoding.UTF8.GetByteCount(csv.ToString()));
            csv.Append(line == BadLine ? $"{line},extra,field,here\n" : $"{line},name{line},some words here\n");
        }

        var data = Encoding.UTF8.GetBytes(csv.ToString());
        await _blobs.WriteAsync("data/rows.csv", BinaryData.FromBytes(data));
        var input = new ItemInput("data/rows.csv", ItemFormat.Csv, new CsvOptions(), null, null, 1_000, 256);
        var shards = (int)((data.Length + 255) / 256);
        var spec = ItemSpec("wordcount", input, shards, tolerance: 5);

        // Act
        var outcome = await RunJobAsync(spec, data.Length);

        // Assert
        Assert.Equal(JobResultStatus.CompletedWithFailures, outcome.Status);
        Assert.Contains("1 of 60 items failed", outcome.Error, StringComparison.Ordinal);
        var manifest = JobJson.Deserialize<JobManifest>(_blobs.Get(JobBlobLayout.Manifest(JobId)));
        var items = manifest.Items!;
        Assert.Equal((60L, 59L, 1L, (long)data.Length), (items.Total, items.Succeeded, items.Failed, items.InputBytes));
        Assert.Equal(61, items.Lines!.Sum(l => l.Lines));
        Assert.Equal(Enumerable.Range(0, shards), items.Lines!.Select(l => l.Shard));
        var failedFile = Assert.Single(items.Files, f => f.Kind == ItemFileKind.Failed);
        Assert.False(failedFile.RelativeLines);
        var failed = Assert.Single(ReadLines(failedFile.Path));
        var source = failed.GetProperty("source").Deserialize<ItemSource>(JobJson.Options)!;
        Assert.Equal(("data/rows.csv", offsets[BadLine - 1], (long?)BadLine), (source.Blob, source.Offset!.Value, source.Line));
        Assert.Equal("row has 4 fields, the header has 3", failed.GetProperty("error").GetString());
        Assert.True(offsets[BadLine - 1] >= 256, "The bad row should lie past the first shard.");
        var result = JobJson.Deserialize<JobResultDocument>(_blobs.Get(JobBlobLayout.Result(JobId)));
        Assert.Equal(59 * 3, result.Result.GetProperty("totalWords").GetInt64());
    }

    [Fact]
    public async Task ExecuteAsync_RedriveOfItemsWhoseFileWasNotRebased_FailedLinesStillCountFromTheFileStart()
    {
        // Arrange: 30 lines "v00".."v29", 3 shards of 10 lines. The first run loses shard 1 as a whole and fails
        // item v25 in shard 2, so shard 2's failed file cannot be rebased (shard 1 has no line count).
        var text = string.Concat(Enumerable.Range(0, 30).Select(i => string.Create(CultureInfo.InvariantCulture, $"v{i:00}\n")));
        await _blobs.WriteAsync("data/values.txt", BinaryData.FromString(text));
        var spec = ItemSpec(FailingItemsWorkload.WorkloadName, new ItemInput("data/values.txt", ItemFormat.Text, null, null, null, 1_000, 40), 3, tolerance: 100);
        _failing.FailOn("v25");
        await RunJobAsync(spec, text.Length, failAsAWhole: [1]);

        // Act: the redrive runs shard 1 and v25 again; v25 still fails.
        await RunJobAsync(spec, text.Length, redrive: 1);

        // Assert
        var manifest = JobJson.Deserialize<JobManifest>(_blobs.Get(JobBlobLayout.Manifest(JobId)));
        Assert.Equal(1, manifest.Redrives);
        Assert.Equal((30L, 29L, 1L), (manifest.Items!.Total, manifest.Items.Succeeded, manifest.Items.Failed));
        var failedFile = Assert.Single(manifest.Items.Files, f => f.Kind == ItemFileKind.Failed);
        Assert.EndsWith(".redrive-1.jsonl", failedFile.Path, StringComparison.Ordinal);
        var failed = Assert.Single(ReadLines(failedFile.Path));
        Assert.Equal(100, failed.GetProperty("source").GetProperty("offset").GetInt64());
        Assert.Equal(26, failed.GetProperty("source").GetProperty("line").GetInt64());
    }
}
