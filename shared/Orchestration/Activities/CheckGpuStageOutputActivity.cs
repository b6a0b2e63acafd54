using Microsoft.DurableTask;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Orchestration.Activities;

/// <summary>Checks the stage's output before any shard reads it: missing or corrupt output fails the job with the reason.</summary>
public sealed class CheckGpuStageOutputActivity : TaskActivity<CheckGpuStageOutputInput, GpuStageOutputCheck>
{
    private readonly WorkloadCatalog _workloads;

    public CheckGpuStageOutputActivity(WorkloadCatalog workloads)
    {
        _workloads = workloads;
    }

    public override Task<GpuStageOutputCheck> RunAsync(TaskActivityContext context, CheckGpuStageOutputInput input) => ExecuteAsync(input);

    public async Task<GpuStageOutputCheck> ExecuteAsync(CheckGpuStageOutputInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var workload = (IGpuStageWorkload)_workloads.Get(input.Workload);
        return new GpuStageOutputCheck(await workload.CheckStageOutputAsync(JobBlobLayout.GpuOutput(input.JobId), input.Parameters, CancellationToken.None).ConfigureAwait(false));
    }
}
