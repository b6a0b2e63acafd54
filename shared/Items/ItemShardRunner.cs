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

    public async Task<(JsonElement Partial, ItemCounts Counts)> RunAsync(IItemWorkload workload, ItemShardJob input, int shard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(input);
        var stats = new LineReadStats();
        var sink = new ItemFileSink(_blobs, input.JobId, shard, input.Redrive);
        await using (sink.ConfigureAwait(false))
        {
            var partial = await workload.RunItemsAsync(Read(input, shard, stats, cancellationToken), input.Parameters, sink, cancellationToken).ConfigureAwait(false);
            var relative = input.Input.Blob is not null && !stats.LinesAreAbsolute;
            var files = (await sink.CompleteAsync().ConfigureAwait(false)).Select(f => f with { RelativeLines = relative }).ToList();
            return (partial, new ItemCounts(sink.Succeeded, sink.Failed, stats.Lines, stats.LinesAreAbsolute, stats.BytesRead, files));
        }
    }

    /// <summary>
    /// Redrive of a shard whose items partly failed: runs just the items of its latest failed-items file again
    /// (from the value recorded there, or re-read from their byte offset when they could not be read), writes
    /// the outcome to the redrive's own files, and merges counts and partial with the earlier run's.
    /// </summary>
    public async Task<(JsonElement Partial, ItemCounts Counts)> RedriveAsync(IItemWorkload workload, ItemShardJob input, ShardResult previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(previous);
        var earlier = previous.Items ?? throw new InvalidOperationException($"Shard {previous.Index} has no item counts to redrive.");
        var failedFile = earlier.Files.Last(f => f.Kind == ItemFileKind.Failed);
        var stats = new LineReadStats();
        var sink = new ItemFileSink(_blobs, input.JobId, previous.Index, input.Redrive);
        await using (sink.ConfigureAwait(false))
        {
            var retried = await workload.RunItemsAsync(ReadFailedAsync(failedFile.Path, input, stats, cancellationToken), input.Parameters, sink, cancellationToken).ConfigureAwait(false);
            // The redrive's files carry the retried items' sources, so their lines are relative where those were.
            var files = earlier.Files.Select(f => f == failedFile ? f with { Kind = ItemFileKind.Retried } : f)
                .Concat((await sink.CompleteAsync().ConfigureAwait(false)).Select(f => f with { RelativeLines = failedFile.RelativeLines }))
                .ToList();
            var counts = earlier with { Succeeded = earlier.Succeeded + sink.Succeeded, Failed = sink.Failed, BytesRead = earlier.BytesRead + stats.BytesRead, Files = files };
            var earlierPartial = previous.Partial ?? throw new InvalidOperationException($"Shard {previous.Index} has no partial to add the redrive to.");
            return (workload.Combine(earlierPartial, retried), counts);
        }
    }

    private async IAsyncEnumerable<ItemRead> ReadFailedAsync(string path, ItemShardJob input, LineReadStats stats, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var content = await _blobs.ReadAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"The failed-items file '{path}' is missing.");
        foreach (var line in content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var record = JsonDocument.Parse(line).RootElement;
            var source = record.GetProperty("source").Deserialize<ItemSource>(JobJson.Options)!;
            if (record.TryGetProperty("item", out var value))
            {
                yield return new ItemRead(new Item(value.Clone(), source), source, null);
            }
            else if (input.Input is { Blob: { } blob } items && source.Offset is { } offset)
            {
                // Read again the one line that starts at the offset; it keeps the source recorded first.
                await foreach (var read in LineItemReader.ReadAsync(_blobs, blob, items.Format, items.Csv, new ByteRange(offset, offset + 1), stats, cancellationToken).ConfigureAwait(false))
                {
                    yield return read with { Item = read.Item is null ? null : read.Item with { Source = source }, Source = source };
                }
            }
            else
            {
                yield return new ItemRead(null, source, record.TryGetProperty("error", out var error) ? error.GetString() : "the item could not be read.");
            }
        }
    }

    private IAsyncEnumerable<ItemRead> Read(ItemShardJob input, int shard, LineReadStats stats, CancellationToken cancellationToken)
    {
        var items = input.Input;
        if (items.Blob is { } blob)
        {
            var range = ByteRanges.Split(input.InputSize, items.MaxBytesPerShard)[shard];
            return LineItemReader.ReadAsync(_blobs, blob, items.Format, items.Csv, range, stats, cancellationToken);
        }

        if (items.Items is { } inline)
        {
            var boundaries = ItemBatches.ForInline(inline, items.MaxItemsPerShard, items.MaxBytesPerShard);
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
