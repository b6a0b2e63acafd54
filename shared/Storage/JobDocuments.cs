using System.Collections.Concurrent;
using Serverless.Jobs;

namespace Serverless.Storage;

/// <summary>
/// The job documents every activity call of a job reads (its spec; in a redrive, the previous manifest),
/// read once per process and kept: thousands of calls of one job cost one blob read each, not thousands.
/// The documents do not change while the calls that read them run.
/// </summary>
public sealed class JobDocuments
{
    // Enough for the jobs one worker runs at a time; past it the cache starts afresh.
    private const int MaxCached = 256;
    private readonly IBlobStore _blobs;
    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _cache = new(StringComparer.Ordinal);

    public JobDocuments(IBlobStore blobs)
    {
        _blobs = blobs;
    }

    public async Task StoreSpecAsync(string jobId, JobSpec spec)
    {
        var path = JobBlobLayout.Spec(jobId);
        await _blobs.WriteAsync(path, JobJson.Serialize(spec)).ConfigureAwait(false);
        _cache[path] = new Lazy<Task<object>>(Task.FromResult<object>(spec));
    }

    public Task<JobSpec> SpecAsync(string jobId) => GetAsync<JobSpec>(JobBlobLayout.Spec(jobId));

    /// <summary>The manifest the run before <paramref name="redrive"/> wrote (a redrive's starting point).</summary>
    public Task<JobManifest> ManifestBeforeAsync(string jobId, int redrive) =>
        GetAsync<JobManifest>(JobBlobLayout.Manifest(jobId), $"#{redrive}");

    private async Task<T> GetAsync<T>(string path, string version = "")
    {
        if (_cache.Count > MaxCached)
        {
            _cache.Clear();
        }

        var key = path + version;
        var entry = _cache.GetOrAdd(key, _ => new Lazy<Task<object>>(async () => (await ReadAsync<T>(path).ConfigureAwait(false))!));
        try
        {
            return (T)await entry.Value.ConfigureAwait(false);
        }
        catch
        {
            // A failed read must not stick: the next call reads again.
            _cache.TryRemove(new KeyValuePair<string, Lazy<Task<object>>>(key, entry));
            throw;
        }
    }

    private async Task<T> ReadAsync<T>(string path) =>
        JobJson.Deserialize<T>(await _blobs.ReadAsync(path).ConfigureAwait(false) ?? throw new InvalidDataException($"Blob '{path}' is missing."));
}
