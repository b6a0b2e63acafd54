namespace Serverless.Stages;

/// <summary>
/// The public base address of the API (GpuStage__CallbackBaseUrl in Azure, the local host's own URL locally).
/// Null means no callback: the orchestrator then learns of completion by polling the launcher.
/// </summary>
public sealed record StageCallbackOptions(Uri? BaseUrl)
{
    /// <summary>The route a stage execution posts its completion to (under /api/).</summary>
    public const string Route = "jobs/{id}/gpu-stage/callback";

    public Uri? UrlFor(string jobId) =>
        BaseUrl is null ? null : new Uri(BaseUrl, $"/api/{Route.Replace("{id}", Uri.EscapeDataString(jobId), StringComparison.Ordinal)}");
}
