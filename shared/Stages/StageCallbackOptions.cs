namespace Serverless.Stages;

/// <summary>
/// The public base address of the API (GpuStage__CallbackBaseUrl in Azure, the local host's own URL locally).
/// Null means no callback: the orchestrator then learns of completion by polling the launcher.
/// </summary>
public sealed record StageCallbackOptions(Uri? BaseUrl)
{
    /// <summary>The route a stage execution posts its completion to (under /api/).</summary>
    public const string Route = "jobs/{id}/gpu-stage/callback";

    /// <summary>The callback URL for <paramref name="jobId"/>, under the base URL's path if it has one.</summary>
    public Uri? UrlFor(string jobId) =>
        BaseUrl is null
            ? null
            : new Uri(new Uri(BaseUrl.AbsoluteUri.TrimEnd('/') + "/"), $"api/{Route.Replace("{id}", Uri.EscapeDataString(jobId), StringComparison.Ordinal)}");
}
