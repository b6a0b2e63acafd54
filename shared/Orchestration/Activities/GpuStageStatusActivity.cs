using Microsoft.DurableTask;
using Serverless.Stages;

namespace Serverless.Orchestration.Activities;

/// <summary>Asks the launcher where an execution stands: the orchestrator's fallback when no callback comes.</summary>
public sealed class GpuStageStatusActivity : TaskActivity<StageExecution, StageExecutionStatus>
{
    private readonly IStageLauncher _launcher;

    public GpuStageStatusActivity(IStageLauncher launcher)
    {
        _launcher = launcher;
    }

    public override Task<StageExecutionStatus> RunAsync(TaskActivityContext context, StageExecution input) => ExecuteAsync(input);

    public Task<StageExecutionStatus> ExecuteAsync(StageExecution input) => _launcher.GetStatusAsync(input);
}
