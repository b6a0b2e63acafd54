using Serverless.Jobs;

namespace Serverless.Api;

/// <summary>A workload as <c>GET /api/workloads</c> describes it: what it is, its spec fields and its parameters.</summary>
/// <param name="Kind">"shards" (computed from their position) or "items" (read from an input).</param>
public sealed record WorkloadDescription(
    string Name,
    string Description,
    string Kind,
    bool GpuStage,
    IReadOnlyList<FieldDescription> Fields,
    IReadOnlyList<FieldDescription> Parameters);

/// <summary>A file of a job's folder and the content type it is served with.</summary>
public sealed record JobFile(BinaryData Content, string ContentType);

/// <summary>Which names a request may ask for in a job's folder.</summary>
public static class JobFileNames
{
    /// <summary>Relative paths of segments made of letters, digits, '.', '-' and '_', none of them "." or "..".</summary>
    public static bool IsSafe(string name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= 512
        && name.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != ".." && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'));
}
