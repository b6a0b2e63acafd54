using System.Diagnostics;
using System.Text.Json;
using Serverless.Items;
using Microsoft.DurableTask;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Runs a batch of shards (one, for long shards) and writes each one's partial to
/// <c>results/{jobId}/shards/{index}.json</c>. A shard that throws is reported with its error rather than
/// failing the batch, so the orchestrator retries just that shard. A retry or a replay writes the same blob
/// again: never a second copy.
/// </summary>
public sealed class RunShardsActivity : TaskActivity<RunShardsInput, IReadOnlyList<ShardOutcome>>
{
    private readonly WorkloadCatalog _workloads;
    private readonly IBlobStore _blobs;
    private readonly ItemShardRunner _items;

    public RunShardsActivity(WorkloadCatalog workloads, IBlobStore blobs)
    {
        _workloads = workloads;
        _blobs = blobs;
        _items = new ItemShardRunner(blobs);
    }

    public override Task<IReadOnlyList<ShardOutcome>> RunAsync(TaskActivityContext context, RunShardsInput input) => ExecuteAsync(input);

    public async Task<IReadOnlyList<ShardOutcome>> ExecuteAsync(RunShardsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var workload = _workloads.Get(input.Workload);
        var outcomes = new ShardOutcome[input.Shards.Count];
        await Parallel.ForAsync(0, outcomes.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (i, _) =>
            outcomes[i] = await RunOneAsync(workload, input, input.Shards[i]).ConfigureAwait(false)).ConfigureAwait(false);
        return outcomes;
    }

    private async Task<ShardOutcome> RunOneAsync(IWorkload workload, RunShardsInput input, ShardAttempt shard)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var blob = JobBlobLayout.Shard(input.JobId, shard.Index);
            var earlier = input.Redrive > 0 ? await _blobs.ReadAsync(blob).ConfigureAwait(false) : null;
            var previous = earlier is null ? null : JobJson.Deserialize<ShardOutput>(earlier);
            if (previous is not null && (previous.Items?.Failed ?? 0) == 0)
            {
                // A redrive leaves a shard that fully succeeded as it is.
                return new ShardOutcome(shard.Index, previous.Attempt, blob, earlier!.ToMemory().Length, Milliseconds(stopwatch), null, previous.Items);
            }

            JsonElement partial;
            ItemCounts? items = null;
            switch (workload)
            {
                case IShardWorkload computed:
                    partial = await computed.RunShardAsync(new ShardPosition(shard.Index, input.ShardCount, input.Seed, shard.Attempt, input.JobId), input.Parameters, CancellationToken.None).ConfigureAwait(false);
                    break;
                case IItemWorkload itemWorkload when previous is not null:
                    (partial, items) = await _items.RedriveAsync(itemWorkload, input, previous, CancellationToken.None).ConfigureAwait(false);
                    break;
                case IItemWorkload itemWorkload:
                    (partial, items) = await _items.RunAsync(itemWorkload, input, shard.Index, CancellationToken.None).ConfigureAwait(false);
                    break;
                default:
                    throw new InvalidOperationException($"Workload '{workload.Name}' is neither a shard nor an item workload.");
            }

            var size = await _blobs.WriteAsync(blob, JobJson.Serialize(new ShardOutput(shard.Index, shard.Attempt, partial, items))).ConfigureAwait(false);
            return new ShardOutcome(shard.Index, shard.Attempt, blob, size, Milliseconds(stopwatch), null, items);
        }
#pragma warning disable CA1031 // Any exception from user workload code is that shard's failure, recorded and retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new ShardOutcome(shard.Index, shard.Attempt, null, null, Milliseconds(stopwatch), $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static double Milliseconds(Stopwatch stopwatch) => Math.Round(stopwatch.Elapsed.TotalMilliseconds, 3);
}
