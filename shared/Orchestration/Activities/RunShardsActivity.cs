using System.Diagnostics;
using System.Text.Json;
using Microsoft.DurableTask;
using Serverless.Costs;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Runs a batch of shard attempts (one, for long shards) and writes what they did to one blob,
/// <see cref="JobBlobLayout.Call"/>: a batch of short shards costs one blob write. A shard that throws is
/// recorded with its error rather than failing the batch, so the range retries just that shard. The blob is
/// named after the attempts, so a retried or replayed call writes the same blob again, never a second copy.
/// Parameters and inline items come from the job's spec blob, read once per process. The blob also records what
/// the call used: its duration, its share of the process's CPU (<see cref="CpuShare"/>) and its storage requests.
/// </summary>
public sealed class RunShardsActivity : TaskActivity<RunShardsInput, ShardCallResult>
{
    private readonly WorkloadCatalog _workloads;
    private readonly IBlobStore _blobs;
    private readonly JobDocuments _documents;
    private readonly ItemShardRunner _items;
    private readonly RaceWatch _races;

    public RunShardsActivity(WorkloadCatalog workloads, IBlobStore blobs, JobDocuments documents)
    {
        _workloads = workloads;
        _blobs = blobs;
        _documents = documents;
        _items = new ItemShardRunner(blobs);
        _races = new RaceWatch(blobs);
    }

    public override Task<ShardCallResult> RunAsync(TaskActivityContext context, RunShardsInput input) => ExecuteAsync(input);

    public async Task<ShardCallResult> ExecuteAsync(RunShardsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var usage = UsageScope.Begin();
        using var cpu = CpuShare.Process.Start();
        var workload = _workloads.Get(input.Job.Workload);
        var spec = await _documents.SpecAsync(input.JobId).ConfigureAwait(false);
        var previous = input.Redrive > 0 ? await PreviousResultsAsync(input).ConfigureAwait(false) : new Dictionary<int, ShardResult>();
        var results = new ShardResult[input.Shards.Count];
        var blob = JobBlobLayout.Call(input.JobId, input.Shards, input.Redrive);
        var startedAt = DateTimeOffset.UtcNow;
        await using (var race = WatchPartner(input))
        {
            var token = race?.Token ?? CancellationToken.None;
            await Parallel.ForAsync(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (i, _) =>
                results[i] = await RunOneAsync(workload, input, spec, input.Shards[i], previous.GetValueOrDefault(input.Shards[i].Index), token).ConfigureAwait(false)).ConfigureAwait(false);
            if (race?.Superseded == true)
            {
                return new ShardCallResult(null, [], Superseded: true, usage.ToUsage(cpu.Stop()));
            }
        }

        usage.Add(StorageRequestKind.BlobWrite);
        var record = new ShardResults(results, usage.ToUsage(cpu.Stop()));
        await _blobs.WriteAsync(blob, JobJson.Serialize(record), CallMetadata.For(results, startedAt, DateTimeOffset.UtcNow, WorkerName.Current, input.Redrive, input.Backup)).ConfigureAwait(false);
        if (results.All(r => r.Status == ShardStatus.Succeeded))
        {
            // Only a success decides a race, so only a success stops the partner.
            _races.Written(blob);
        }

        return new ShardCallResult(blob, [.. results.Select(r => new ShardCallOutcome(r.Index, r.Attempt, r.Status == ShardStatus.Succeeded, r.DurationMs))]);
    }

    /// <summary>
    /// The blob that, once written, means this call lost its race: its backup's (the same shards, one attempt
    /// later) or, for a backup, its original's. Null when the range does not speculate.
    /// </summary>
    private RaceWatch.Watch? WatchPartner(RunShardsInput input)
    {
        if (input.WatchAfterMs is not { } after)
        {
            return null;
        }

        var partner = input.Shards.Select(s => s with { Attempt = s.Attempt + (input.Backup ? -1 : 1) }).ToList();
        return _races.Start(JobBlobLayout.Call(input.JobId, partner, input.Redrive), TimeSpan.FromMilliseconds(after));
    }

    /// <summary>
    /// A redrive's starting point: what the run before it recorded for the batch's shards that succeeded,
    /// read from the blobs the manifest points at (each blob once).
    /// </summary>
    private async Task<Dictionary<int, ShardResult>> PreviousResultsAsync(RunShardsInput input)
    {
        var manifest = await _documents.ManifestBeforeAsync(input.JobId, input.Redrive).ConfigureAwait(false);
        var byIndex = manifest.Shards.ToDictionary(s => s.Index);
        var found = new Dictionary<int, ShardResult>();
        foreach (var group in input.Shards.Select(s => byIndex.GetValueOrDefault(s.Index)).OfType<ShardRecord>()
                     .Where(r => r.Status == ShardStatus.Succeeded && r.Blob is not null).GroupBy(r => r.Blob!))
        {
            var stored = JobJson.Deserialize<ShardResults>(await _blobs.ReadAsync(group.Key).ConfigureAwait(false)
                ?? throw new InvalidDataException($"Blob '{group.Key}', which the manifest lists, is missing."));
            foreach (var record in group)
            {
                found[record.Index] = stored.Shards.Last(r => r.Index == record.Index && r.Status == ShardStatus.Succeeded);
            }
        }

        return found;
    }

    private async Task<ShardResult> RunOneAsync(IWorkload workload, RunShardsInput input, JobSpec spec, ShardAttempt shard, ShardResult? previous, CancellationToken cancellationToken)
    {
        if (previous is not null && (previous.Items?.Failed ?? 0) == 0)
        {
            // A redrive leaves a shard that fully succeeded as it is.
            return previous;
        }

        var startedAt = DateTimeOffset.UtcNow;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            JsonElement partial;
            ItemCounts? items = null;
            switch (workload)
            {
                case IShardWorkload computed:
                    partial = await computed.RunShardAsync(new ShardPosition(shard.Index, input.Job.Shards, input.Job.Seed, shard.Attempt, input.JobId), spec.Parameters, cancellationToken).ConfigureAwait(false);
                    break;
                case IItemWorkload itemWorkload when previous is not null:
                    (partial, items) = await _items.RedriveAsync(itemWorkload, ItemJob(input, spec), previous, cancellationToken).ConfigureAwait(false);
                    break;
                case IItemWorkload itemWorkload:
                    (partial, items) = await _items.RunAsync(itemWorkload, ItemJob(input, spec), shard.Index, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new InvalidOperationException($"Workload '{workload.Name}' is neither a shard nor an item workload.");
            }

            return new ShardResult(shard.Index, shard.Attempt, ShardStatus.Succeeded, partial, Milliseconds(stopwatch), null, items, startedAt, DateTimeOffset.UtcNow, WorkerName.Current);
        }
#pragma warning disable CA1031 // Any exception from user workload code is that shard's failure, recorded and retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new ShardResult(shard.Index, shard.Attempt, ShardStatus.Failed, null, Milliseconds(stopwatch), $"{ex.GetType().Name}: {ex.Message}", null, startedAt, DateTimeOffset.UtcNow, WorkerName.Current);
        }
    }

    private static ItemShardJob ItemJob(RunShardsInput input, JobSpec spec) =>
        new(input.JobId, spec.Parameters, spec.Input ?? throw new InvalidOperationException($"Job {input.JobId} has no item input."), input.Job.InputSize, input.Redrive);

    private static double Milliseconds(Stopwatch stopwatch) => Math.Round(stopwatch.Elapsed.TotalMilliseconds, 3);
}
