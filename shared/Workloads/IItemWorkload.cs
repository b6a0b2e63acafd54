using System.Text.Json;
using Serverless.Items;

namespace Serverless.Workloads;

/// <summary>
/// A data-parallel workload: the engine reads the job's input (<see cref="ItemInput"/>), cuts it into shards
/// and hands each shard's items to <see cref="RunItemsAsync"/>, which reports every item to the sink (its
/// result, or why it failed) and returns the shard's partial, combined and finished as for any workload.
/// <see cref="ItemWorkload{TParameters,TItemResult,TPartial,TResult}"/> gives implementations typed methods.
/// </summary>
public interface IItemWorkload : IWorkload
{
    ValueTask<JsonElement> RunItemsAsync(IAsyncEnumerable<ItemRead> items, IReadOnlyDictionary<string, JsonElement> parameters, IItemResultSink sink, CancellationToken cancellationToken);
}

/// <summary>Where a shard reports each item: the engine writes them to the job's result files and counts them.</summary>
public interface IItemResultSink
{
    ValueTask SucceededAsync(ItemSource source, JsonElement result);

    /// <summary>An item that could not be read (<paramref name="value"/> null) or whose processing threw.</summary>
    ValueTask FailedAsync(ItemSource source, JsonElement? value, string reason);
}
