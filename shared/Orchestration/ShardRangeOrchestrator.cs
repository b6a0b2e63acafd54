using Microsoft.DurableTask;
using Serverless.Jobs;
using Serverless.Orchestration.Activities;

namespace Serverless.Orchestration;

/// <summary>
/// A sub-orchestration that runs one range of a large job's shards (see <see cref="ShardRanges"/>).
/// Delivery is at least once: a duplicate start message can start the same range again after it finished,
/// so a range first looks for its own record and, when it exists, returns it instead of redoing the work.
/// </summary>
public sealed class ShardRangeOrchestrator : TaskOrchestrator<RangeInput, RangeSummary>
{
    public override async Task<RangeSummary> RunAsync(TaskOrchestrationContext context, RangeInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var done = await context.CallActivityAsync<RangeSummary?>(nameof(FindRangeActivity), new FindRangeInput(input.JobId, input.Start, input.End, input.Redrive)).ConfigureAwait(true);
        return done ?? await ShardRanges.RunAsync(context, input, context.SetCustomStatus).ConfigureAwait(true);
    }
}
