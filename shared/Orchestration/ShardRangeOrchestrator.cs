using Microsoft.DurableTask;
using Serverless.Jobs;

namespace Serverless.Orchestration;

/// <summary>A sub-orchestration that runs one range of a large job's shards (see <see cref="ShardRanges"/>).</summary>
public sealed class ShardRangeOrchestrator : TaskOrchestrator<RangeInput, RangeSummary>
{
    public override Task<RangeSummary> RunAsync(TaskOrchestrationContext context, RangeInput input) =>
        ShardRanges.RunAsync(context, input, (succeeded, failed) =>
            context.SetCustomStatus(new JobProgress("Running", input.Count, succeeded + failed, failed)));
}
