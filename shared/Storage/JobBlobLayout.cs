using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Storage;

/// <summary>
/// Where a job's blobs live, in one place (documented in the README under "Blob layout").
/// Every path starts with its container.
/// </summary>
public static class JobBlobLayout
{
    public const string Container = "results";

    public static string Folder(string jobId) => $"{Container}/{jobId}/";

    public static string ShardsFolder(string jobId) => $"{Folder(jobId)}shards/";

    /// <summary>
    /// The blob of one activity call, named after the attempts it ran so that a retried or replayed call
    /// writes the same blob again, never a second copy. Prefixed by its first shard and, for redrives, the redrive.
    /// </summary>
    public static string Call(string jobId, IReadOnlyList<Orchestration.ShardAttempt> attempts, int redrive)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        var key = string.Join(';', attempts.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Index}:{a.Attempt}")));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 8));
        var run = redrive > 0 ? string.Create(CultureInfo.InvariantCulture, $".redrive-{redrive}") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{ShardsFolder(jobId)}{attempts[0].Index}-{hash}{run}.json");
    }

    /// <summary>The job's spec, stored once; activities read parameters and inline items from here.</summary>
    public static string Spec(string jobId) => $"{Folder(jobId)}spec.json";

    public static string Result(string jobId) => $"{Folder(jobId)}result.json";

    public const string ManifestName = "manifest.json";

    public static string Manifest(string jobId) => Folder(jobId) + ManifestName;

    /// <summary>An item job's per-item results: <c>items/succeeded-{n}.jsonl</c>, <c>items/failed-{n}.jsonl</c>; a redrive adds <c>.redrive-{k}</c>.</summary>
    public static string ItemsFolder(string jobId) => $"{Folder(jobId)}items/";

    public static string ItemFile(string jobId, Items.ItemFileKind kind, int shard, int redrive) =>
        $"{ItemsFolder(jobId)}{kind.ToString().ToLowerInvariant()}-{shard}{(redrive > 0 ? $".redrive-{redrive}" : string.Empty)}.jsonl";

    /// <summary>For a prefix input: the blobs shard n processes, listed once when the job is planned.</summary>
    public static string PlanShard(string jobId, int shard) => $"{Folder(jobId)}plan/{shard}.json";

    /// <summary>The GPU stage's files: input, output, metrics, log and launch record.</summary>
    public static string GpuFolder(string jobId) => $"{Folder(jobId)}gpu/";

    public static string GpuInput(string jobId) => $"{GpuFolder(jobId)}input.json";

    public static string GpuOutput(string jobId) => $"{GpuFolder(jobId)}output.bin";

    public static string GpuMetrics(string jobId) => $"{GpuFolder(jobId)}metrics.json";

    public static string GpuLog(string jobId) => $"{GpuFolder(jobId)}log.txt";

    public static string GpuLaunch(string jobId) => $"{GpuFolder(jobId)}launch.json";

    /// <summary>A file a workload writes for the job, e.g. <c>tiles/3.png</c> or <c>image.png</c>.</summary>
    public static string Artifact(string jobId, string name) => $"{Folder(jobId)}{name}";

    /// <summary>Working file: the combined partial and shard records of shards [start, end).</summary>
    public static string Range(string jobId, int start, int end, int redrive = 0) =>
        $"{Folder(jobId)}ranges/{start}-{end}{(redrive > 0 ? $".redrive-{redrive}" : string.Empty)}.json";
}
