using Microsoft.DurableTask;
using Serverless.Stages;

namespace Serverless.Orchestration.Activities;

/// <summary>Stops an execution that ran past its deadline, so a hung GPU container stops costing money.</summary>
public sealed class StopGpuStageActivity : TaskActivity<StageExecution, bool>
{
    private readonly IStageLauncher _launcher;

    public StopGpuStageActivity(IStageLauncher launcher)
    {
        _launcher = launcher;
    }

    public override Task<bool> RunAsync(TaskActivityContext context, StageExecution input) => ExecuteAsync(input);

    public async Task<bool> ExecuteAsync(StageExecution input)
    {
        await _launcher.StopAsync(input).ConfigureAwait(false);
        return true;
    }
}
