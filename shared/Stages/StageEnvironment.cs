namespace Serverless.Stages;

/// <summary>
/// The environment variables a stage execution receives, in one place: launchers set them, the stage program
/// (jobs/gpu-stage) reads them.
/// </summary>
public static class StageEnvironment
{
    public const string JobId = "STAGE_JOB_ID";
    public const string InputBlob = "STAGE_INPUT_BLOB";
    public const string OutputBlob = "STAGE_OUTPUT_BLOB";
    public const string MetricsBlob = "STAGE_METRICS_BLOB";
    public const string CallbackUrl = "STAGE_CALLBACK_URL";
    public const string CallbackSecret = "STAGE_CALLBACK_SECRET";

    /// <summary><c>auto</c> (CUDA, then OpenCL, then CPU), <c>cuda</c>, <c>opencl</c> or <c>cpu</c>; set on the job, not per execution.</summary>
    public const string Accelerator = "STAGE_ACCELERATOR";

    /// <summary>The header a callback carries its execution's secret in.</summary>
    public const string SecretHeader = "X-Stage-Secret";

    /// <summary>The per-execution variables for <paramref name="launch"/>.</summary>
    public static IReadOnlyDictionary<string, string> For(StageLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [JobId] = launch.JobId,
            [InputBlob] = launch.InputBlob,
            [OutputBlob] = launch.OutputBlob,
            [MetricsBlob] = launch.MetricsBlob,
            [CallbackSecret] = launch.CallbackSecret,
        };
        if (launch.CallbackUrl is not null)
        {
            variables[CallbackUrl] = launch.CallbackUrl.AbsoluteUri;
        }

        return variables;
    }
}
