using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Orchestration.Activities;
using Serverless.Stages;

namespace Serverless.Functions;

/// <summary>
/// [Function] wrappers for the shared orchestrators and activities (the source generator that would write
/// these is not available here). Each is named after its class, as <see cref="JobTasks"/> names it, so the local
/// host and Azure share one task hub format; Serverless.Functions.Tests checks the generated metadata against that list.
/// </summary>
public sealed class DurableFunctions
{
    private readonly StoreSpecActivity _storeSpec;
    private readonly RunShardsActivity _runShards;
    private readonly RangeReducer _reducer;
    private readonly FinishJobActivity _finishJob;
    private readonly GpuStageActivities _gpu;
    private readonly PlanItemsActivity _planItems;

    public DurableFunctions(StoreSpecActivity storeSpec, RunShardsActivity runShards, RangeReducer reducer, FinishJobActivity finishJob, GpuStageActivities gpu, PlanItemsActivity planItems)
    {
        _storeSpec = storeSpec;
        _runShards = runShards;
        _reducer = reducer;
        _finishJob = finishJob;
        _gpu = gpu;
        _planItems = planItems;
    }

    [Function(nameof(JobOrchestrator))]
    public static Task<JobOutcome> RunJobAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new JobOrchestrator().RunAsync(context, context.GetInput<JobInput>()!);

    [Function(nameof(ShardRangeOrchestrator))]
    public static Task<RangeSummary> RunRangeAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ShardRangeOrchestrator().RunAsync(context, context.GetInput<RangeInput>()!);

    [Function(nameof(StoreSpecActivity))]
    public Task<bool> StoreSpecAsync([ActivityTrigger] StoreSpecInput input) => _storeSpec.ExecuteAsync(input);

    [Function(nameof(RunShardsActivity))]
    public Task<ShardCallResult> RunShardsAsync([ActivityTrigger] RunShardsInput input) => _runShards.ExecuteAsync(input);

    [Function(nameof(ReduceShardsActivity))]
    public Task<RangeSummary> ReduceShardsAsync([ActivityTrigger] ReduceShardsInput input) => _reducer.ReduceShardsAsync(input);

    [Function(nameof(MergeRangesActivity))]
    public Task<RangeSummary> MergeRangesAsync([ActivityTrigger] MergeRangesInput input) => _reducer.MergeRangesAsync(input);

    [Function(nameof(FindRangeActivity))]
    public Task<RangeSummary?> FindRangeAsync([ActivityTrigger] FindRangeInput input) => _reducer.FindRangeAsync(input);

    [Function(nameof(FinishJobActivity))]
    public Task<JobOutcome> FinishJobAsync([ActivityTrigger] FinishJobInput input) => _finishJob.ExecuteAsync(input);

    [Function(nameof(PlanItemsActivity))]
    public Task<ItemPlanSummary> PlanItemsAsync([ActivityTrigger] PlanItemsInput input) => _planItems.ExecuteAsync(input);

    [Function(nameof(StartGpuStageActivity))]
    public Task<StageExecution> StartGpuStageAsync([ActivityTrigger] StartGpuStageInput input) => _gpu.Start.ExecuteAsync(input);

    [Function(nameof(GpuStageStatusActivity))]
    public Task<StageExecutionStatus> GpuStageStatusAsync([ActivityTrigger] StageExecution input) => _gpu.Status.ExecuteAsync(input);

    [Function(nameof(StopGpuStageActivity))]
    public Task<bool> StopGpuStageAsync([ActivityTrigger] StageExecution input) => _gpu.Stop.ExecuteAsync(input);

    [Function(nameof(CheckGpuStageOutputActivity))]
    public Task<GpuStageOutputCheck> CheckGpuStageOutputAsync([ActivityTrigger] CheckGpuStageOutputInput input) => _gpu.CheckOutput.ExecuteAsync(input);
}

/// <summary>The GPU stage's activities, injected together.</summary>
public sealed record GpuStageActivities(StartGpuStageActivity Start, GpuStageStatusActivity Status, StopGpuStageActivity Stop, CheckGpuStageOutputActivity CheckOutput);
