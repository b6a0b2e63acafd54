using System.Diagnostics;
using Microsoft.DurableTask;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Computes one shard and writes its partial to <c>results/{jobId}/shards/{index}.json</c>. A retry or a
/// replay writes the same blob again: never a second copy.
/// </summary>
public sealed class RunShardActivity : TaskActivity<ShardInput, ShardResult>
{
    private readonly WorkloadCatalog _workloads;
    private readonly IBlobStore _blobs;

    public RunShardActivity(WorkloadCatalog workloads, IBlobStore blobs)
    {
        _workloads = workloads;
        _blobs = blobs;
    }

    public override Task<ShardResult> RunAsync(TaskActivityContext context, ShardInput input) => ExecuteAsync(input);

    public async Task<ShardResult> ExecuteAsync(ShardInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var workload = _workloads.Get(input.Workload);
        var stopwatch = Stopwatch.StartNew();
        var partial = await workload.RunShardAsync(input.Position, input.Parameters, CancellationToken.None).ConfigureAwait(false);
        stopwatch.Stop();

        var blob = JobBlobLayout.Shard(input.JobId, input.Position.Index);
        var size = await _blobs.WriteAsync(blob, JobJson.Serialize(new ShardOutput(input.Position.Index, input.Position.Attempt, partial))).ConfigureAwait(false);
        return new ShardResult(blob, size, Math.Round(stopwatch.Elapsed.TotalMilliseconds, 3));
    }
}
