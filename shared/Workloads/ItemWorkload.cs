using System.Text.Json;
using Serverless.Items;
using Serverless.Jobs;

namespace Serverless.Workloads;

/// <summary>
/// Typed base for item workloads: read parameters, process one item, fold its result into the shard's
/// partial (in memory, typed: no JSON per item but the result line), combine partials, finish. An item whose
/// processing throws is that item's failure; the shard goes on.
/// </summary>
public abstract class ItemWorkload<TParameters, TItemResult, TPartial, TResult> : IItemWorkload
{
    public abstract string Name { get; }

    public virtual string Description => string.Empty;

    public IReadOnlyList<FieldDescription> DescribeParameters()
    {
        var reader = new JsonFieldReader(new Dictionary<string, JsonElement>(), "parameters.", new ValidationErrors());
        ReadParameters(reader);
        return reader.Described;
    }

    public abstract TParameters ReadParameters(JsonFieldReader reader);

    public abstract ValueTask<TItemResult> ProcessAsync(Item item, TParameters parameters, CancellationToken cancellationToken);

    public abstract TPartial Empty(TParameters parameters);

    public abstract TPartial Accumulate(TPartial shardPartial, TItemResult result, TParameters parameters);

    public abstract TPartial Combine(TPartial left, TPartial right);

    public abstract ValueTask<TResult> FinishAsync(TPartial combined, TParameters parameters, JobContext job, CancellationToken cancellationToken);

    /// <summary>What an item's line in <c>succeeded-{n}.jsonl</c> says about its result; the whole result unless a workload keeps it short.</summary>
    protected virtual object? Describe(TItemResult result) => result;

    public void Validate(IReadOnlyDictionary<string, JsonElement> parameters, int shards, ValidationErrors errors)
    {
        var reader = new JsonFieldReader(parameters, "parameters.", errors);
        ReadParameters(reader);
        reader.RejectUnknown();
    }

    public async ValueTask<JsonElement> RunItemsAsync(IAsyncEnumerable<ItemRead> items, IReadOnlyDictionary<string, JsonElement> parameters, IItemResultSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(sink);
        var typed = WorkloadJson.Read(parameters, Name, ReadParameters);
        var partial = Empty(typed);
        await foreach (var read in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (read.Item is not { } item)
            {
                await sink.FailedAsync(read.Source, null, read.Error ?? "the item could not be read.").ConfigureAwait(false);
                continue;
            }

            TItemResult result;
            try
            {
                result = await ProcessAsync(item, typed, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever one item throws is that item's failure, listed with its source.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                await sink.FailedAsync(item.Source, item.Value, $"{ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
                continue;
            }

            partial = Accumulate(partial, result, typed);
            await sink.SucceededAsync(item.Source, WorkloadJson.ToJson(Describe(result))).ConfigureAwait(false);
        }

        return WorkloadJson.ToJson(partial);
    }

    public JsonElement Combine(JsonElement left, JsonElement right) =>
        WorkloadJson.ToJson(Combine(WorkloadJson.FromJson<TPartial>(left), WorkloadJson.FromJson<TPartial>(right)));

    public async ValueTask<JsonElement> FinishAsync(JsonElement combined, IReadOnlyDictionary<string, JsonElement> parameters, JobContext job, CancellationToken cancellationToken) =>
        WorkloadJson.ToJson(await FinishAsync(WorkloadJson.FromJson<TPartial>(combined), WorkloadJson.Read(parameters, Name, ReadParameters), job, cancellationToken).ConfigureAwait(false));
}
