using Microsoft.DurableTask;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Storage;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Plans an item job's shards without reading its data: a file is cut into byte ranges of at most
/// maxBytesPerShard (by its size alone); a prefix is listed once and its blobs grouped by maxItemsPerShard and
/// maxBytesPerShard into <c>plan/{n}.json</c>; inline items are grouped the same way.
/// </summary>
public sealed class PlanItemsActivity : TaskActivity<PlanItemsInput, ItemPlanSummary>
{
    private readonly IBlobStore _blobs;

    public PlanItemsActivity(IBlobStore blobs)
    {
        _blobs = blobs;
    }

    public override Task<ItemPlanSummary> RunAsync(TaskActivityContext context, PlanItemsInput input) => ExecuteAsync(input);

    public async Task<ItemPlanSummary> ExecuteAsync(PlanItemsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var items = input.Input;
        var plan = items switch
        {
            { Blob: { } blob } => await PlanFileAsync(blob, items.MaxBytesPerShard).ConfigureAwait(false),
            { Items: { } inline } => PlanInline(inline, items),
            { Prefix: { } prefix } => await PlanListingAsync(input.JobId, prefix, items).ConfigureAwait(false),
            _ => throw new InvalidDataException("The input has neither a blob, a prefix nor items."),
        };
        return plan.Shards <= JobLimits.MaxShards
            ? plan
            : throw new InvalidDataException($"The input needs {plan.Shards:N0} shards, more than {JobLimits.MaxShards:N0}: raise maxBytesPerShard or maxItemsPerShard.");
    }

    private async Task<ItemPlanSummary> PlanFileAsync(string blob, long maxBytesPerShard)
    {
        var size = await _blobs.GetSizeAsync(blob).ConfigureAwait(false)
            ?? throw new InvalidDataException($"The input blob '{blob}' does not exist.");
        return new ItemPlanSummary(ByteRanges.Split(size, maxBytesPerShard).Count, null, size);
    }

    private static ItemPlanSummary PlanInline(IReadOnlyList<System.Text.Json.JsonElement> inline, ItemInput items)
    {
        var boundaries = ItemBatches.ForInline(inline, items.MaxItemsPerShard, items.MaxBytesPerShard);
        return new ItemPlanSummary(boundaries.Count - 1, inline.Count, inline.Sum(i => (long)i.GetRawText().Length));
    }

    private async Task<ItemPlanSummary> PlanListingAsync(string jobId, string prefix, ItemInput items)
    {
        var listed = new List<ListedBlob>();
        await foreach (var entry in _blobs.ListAsync(prefix).ConfigureAwait(false))
        {
            listed.Add(new ListedBlob(entry.Path, entry.Size));
        }

        var boundaries = ItemBatches.Boundaries([.. listed.Select(b => b.Size)], items.MaxItemsPerShard, items.MaxBytesPerShard);
        var shards = boundaries.Count - 1;
        await Parallel.ForAsync(0, shards, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, token) =>
        {
            var plan = new ListedShardPlan(boundaries[n], listed[boundaries[n]..boundaries[n + 1]]);
            await _blobs.WriteAsync(JobBlobLayout.PlanShard(jobId, n), JobJson.Serialize(plan), token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return new ItemPlanSummary(shards, listed.Count, listed.Sum(b => b.Size));
    }
}
