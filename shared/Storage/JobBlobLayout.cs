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

    /// <summary>Working file: the combined partial and shard records of shards [start, end).</summary>
    public static string Range(string jobId, int start, int end) => $"{Folder(jobId)}ranges/{start}-{end}.json";
}
