using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Orchestration.Activities;

namespace Serverless.Orchestration;

/// <summary>
/// One job: run its GPU stage if it has one, fan the shards out (bounded, retried), reduce their partials into the result, write the manifest.
/// Deterministic: every effect is an activity, every wait a durable task; the instance id is the job id.
/// </summary>
public sealed partial class JobOrchestrator : TaskOrchestrator<JobInput, JobOutcome>
{
    public override async Task<JobOutcome> RunAsync(TaskOrchestrationContext context, JobInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var logger = context.CreateReplaySafeLogger<JobOrchestrator>();
        var spec = input.Spec;
        var jobId = context.InstanceId;

        // The one copy of the parameters and inline items that shard calls read; ranges and calls carry references.
        await context.CallActivityAsync<bool>(nameof(StoreSpecActivity), new StoreSpecInput(jobId, spec)).ConfigureAwait(true);

        // A redrive re-runs failed shards only; the GPU stage's output is already there.
        if (input.GpuStage is { } stage && input.Redrive == 0)
        {
            context.SetCustomStatus(new JobProgress("GpuStage", spec.Shards, 0, 0));
            await GpuStage.RunAsync(context, jobId, spec, stage).ConfigureAwait(true);
        }

        long inputSize = 0;
        if (spec.Input is { } items)
        {
            context.SetCustomStatus(new JobProgress("Planning", 0, 0, 0));
            var plan = input.Plan ?? await PlanAsync(context, jobId, items).ConfigureAwait(true);
            (spec, inputSize) = (spec with { Shards = plan.Shards }, plan.Bytes);
        }

        LogStarted(logger, jobId, spec.Workload, spec.Shards, spec.MaxParallelism, input.Redrive);
        context.SetCustomStatus(new JobProgress("Running", spec.Shards, 0, 0));
        var job = new ShardJob(spec.Workload, spec.Shards, spec.Seed, spec.Retry, inputSize);
        var root = await ShardRanges.RunAsync(
            context,
            new RangeInput(jobId, job, 0, spec.Shards, spec.MaxParallelism, input.ShardsPerOrchestration, input.Redrive, spec.RangeSpeculation),
            context.SetCustomStatus).ConfigureAwait(true);

        context.SetCustomStatus(new JobProgress("Reducing", spec.Shards, spec.Shards, root.Failed));
        var outcome = await context.CallActivityAsync<JobOutcome>(nameof(FinishJobActivity), new FinishJobInput(jobId, spec.Shards, root, inputSize, input.Redrive)).ConfigureAwait(true);
        context.SetCustomStatus(new JobProgress(outcome.Status.ToString(), spec.Shards, spec.Shards, outcome.FailedShards));
        LogFinished(logger, jobId, outcome.Status, outcome.SucceededShards, outcome.FailedShards);

        if (outcome.Status == JobResultStatus.Failed)
        {
            throw new JobFailedException(string.Create(CultureInfo.InvariantCulture, $"{outcome.Error} Manifest: {outcome.Blobs.Manifest}"));
        }

        return outcome;
    }

    private static async Task<ItemPlanSummary> PlanAsync(TaskOrchestrationContext context, string jobId, ItemInput items)
    {
        try
        {
            return await context.CallActivityAsync<ItemPlanSummary>(nameof(PlanItemsActivity), new PlanItemsInput(jobId, items)).ConfigureAwait(true);
        }
        catch (TaskFailedException ex)
        {
            throw new JobFailedException($"Planning the input failed: {ex.FailureDetails.ErrorMessage}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: {Workload} over {Shards} shards, at most {Parallelism} at once (redrive {Redrive}).")]
    private static partial void LogStarted(ILogger logger, string jobId, string workload, int shards, int parallelism, int redrive);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: {Status}, {Succeeded} shards succeeded, {Failed} failed.")]
    private static partial void LogFinished(ILogger logger, string jobId, JobResultStatus status, int succeeded, int failed);
}

/// <summary>Fails the orchestration (runtime status Failed) with a reason the status API shows.</summary>
public sealed class JobFailedException : Exception
{
    public JobFailedException()
    {
    }

    public JobFailedException(string message)
        : base(message)
    {
    }

    public JobFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
