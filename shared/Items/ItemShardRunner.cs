using System.Text.Json;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Items;

/// <summary>
/// Runs one shard of an item job: reads just that shard's items (its byte range of a file, its planned blobs
/// of a listing, its slice of inline items), hands them to the workload, and streams every item's result
/// into the shard's result files.
/// </summary>
public sealed class ItemShardRunner
{
    private readonly IBlobStore _blobs;

    public ItemShardRunner(IBlobStore blobs)
    {
        _blobs = blobs;
    }

    public async Task<(JsonElement Partial, ItemCounts Counts)> RunAsync(IItemWorkload workload, RunShardsInput input, int shard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(input);
        var stats = new LineReadStats();
        var sink = new ItemFileSink(_blobs, input.JobId, shard, input.Redrive);
        await using (sink.ConfigureAwait(false))
        {
            var partial = await workload.RunItemsAsync(Read(input, shard, stats, cancellationToken), input.Parameters, sink, cancellationToken).ConfigureAwait(false);
            var files = await sink.CompleteAsync().ConfigureAwait(false);
            return (partial, new ItemCounts(sink.Succeeded, sink.Failed, stats.Lines, stats.LinesAreAbsolute, stats.BytesRead, files));
        }
    }

    private IAsyncEnumerable<ItemRead> Read(RunShardsInput input, int shard, LineReadStats stats, CancellationToken cancellationToken)
    {
        var items = input.Input ?? throw new InvalidOperationException($"Job {input.JobId} has no item input.");
        if (items.Blob is { } blob)
        {
            var range = ByteRanges.Split(input.InputSize, items.MaxBytesPerShard)[shard];
            return LineItemReader.ReadAsync(_blobs, blob, items.Format, items.Csv, range, stats, cancellationToken);
        }

        if (items.Items is { } inline)
        {
            var boundaries = ItemBatches.Boundaries([.. inline.Select(i => (long)i.GetRawText().Length)], items.MaxItemsPerShard, items.MaxBytesPerShard);
            return ListedItems.FromInline(inline, boundaries[shard], boundaries[shard + 1] - boundaries[shard]);
        }

        return ReadPlannedAsync(input.JobId, shard, cancellationToken);
    }

    /// <summary>A prefix input's shard: the blobs planning listed for it, one item each.</summary>
    private async IAsyncEnumerable<ItemRead> ReadPlannedAsync(string jobId, int shard, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var plan = await _blobs.ReadAsync(JobBlobLayout.PlanShard(jobId, shard), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"The plan of shard {shard} ({JobBlobLayout.PlanShard(jobId, shard)}) is missing.");
        var listed = JobJson.Deserialize<ListedShardPlan>(plan);
        for (var i = 0; i < listed.Blobs.Count; i++)
        {
            var blob = listed.Blobs[i];
            var source = new ItemSource(blob.Path, Index: listed.FirstIndex + i);
            yield return new ItemRead(new Item(JsonSerializer.SerializeToElement(blob, JobJson.Options), source), source, null);
        }
    }
}
