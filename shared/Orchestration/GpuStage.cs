using System.Globalization;
using Microsoft.DurableTask;
using Serverless.Jobs;
using Serverless.Orchestration.Activities;
using Serverless.Stages;
using Serverless.Storage;

namespace Serverless.Orchestration;

/// <summary>
/// The GPU stage inside the job orchestration: start one execution, then wait durably for its callback
/// while asking the launcher every poll interval (a lost callback must not hang the job), until it ends or
/// the deadline passes. Any failure throws <see cref="JobFailedException"/> with the reason; the stage's
/// blobs (input, log, metrics) stay where they are.
/// </summary>
public static class GpuStage
{
    public static async Task RunAsync(TaskOrchestrationContext context, string jobId, JobSpec spec, GpuStageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        var execution = await context.CallActivityAsync<StageExecution>(
            nameof(StartGpuStageActivity), new StartGpuStageInput(jobId, spec.Workload, spec.Parameters)).ConfigureAwait(true);

        var ended = await WaitForEndAsync(context, execution, settings).ConfigureAwait(true);
        if (!ended.Succeeded)
        {
            throw new JobFailedException($"GPU stage failed: {ended.Error} Execution '{execution.Name}'; log: {JobBlobLayout.GpuLog(jobId)}");
        }

        var check = await context.CallActivityAsync<GpuStageOutputCheck>(
            nameof(CheckGpuStageOutputActivity), new CheckGpuStageOutputInput(jobId, spec.Workload, spec.Parameters)).ConfigureAwait(true);
        if (check.Problem is not null)
        {
            throw new JobFailedException($"GPU stage output '{JobBlobLayout.GpuOutput(jobId)}' is unusable: {check.Problem}. Log: {JobBlobLayout.GpuLog(jobId)}");
        }
    }

    private static async Task<GpuStageSignal> WaitForEndAsync(TaskOrchestrationContext context, StageExecution execution, GpuStageSettings settings)
    {
        var deadline = context.CurrentUtcDateTime.AddSeconds(settings.TimeoutSeconds);

        // One waiter for the whole stage: a waiter per loop turn would queue stale waiters for the same event.
        var callback = context.WaitForExternalEvent<GpuStageSignal>(GpuStageSignal.EventName);
        while (true)
        {
            var wakeAt = Min(context.CurrentUtcDateTime.AddSeconds(settings.PollIntervalSeconds), deadline);
            using var timerCancellation = new CancellationTokenSource();
            var timer = context.CreateTimer(wakeAt, timerCancellation.Token);
            if (await Task.WhenAny(callback, timer).ConfigureAwait(true) == callback)
            {
                // Cancel, not CancelAsync: awaiting the cancellation callbacks inside an orchestration never resumes.
#pragma warning disable CA1849
                timerCancellation.Cancel();
#pragma warning restore CA1849
                return await callback.ConfigureAwait(true);
            }

            var status = await context.CallActivityAsync<StageExecutionStatus>(nameof(GpuStageStatusActivity), execution).ConfigureAwait(true);
            switch (status.State)
            {
                case StageState.Succeeded:
                    return new GpuStageSignal(true, null);
                case StageState.Failed:
                    return new GpuStageSignal(false, status.Detail ?? "the execution failed.");
            }

            if (context.CurrentUtcDateTime >= deadline)
            {
                await context.CallActivityAsync<bool>(nameof(StopGpuStageActivity), execution).ConfigureAwait(true);
                return new GpuStageSignal(false, string.Create(CultureInfo.InvariantCulture, $"it did not finish within its {settings.TimeoutSeconds:0.###} s deadline and was stopped."));
            }
        }
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
