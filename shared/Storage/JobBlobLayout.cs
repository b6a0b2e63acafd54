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

    public static string Shard(string jobId, int index) => $"{ShardsFolder(jobId)}{index}.json";

    public static string Result(string jobId) => $"{Folder(jobId)}result.json";

    public static string Manifest(string jobId) => $"{Folder(jobId)}manifest.json";

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
    public static string Range(string jobId, int start, int end) => $"{Folder(jobId)}ranges/{start}-{end}.json";
}
