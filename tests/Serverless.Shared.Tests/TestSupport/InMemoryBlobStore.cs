using System.Collections.Concurrent;
using Serverless.Storage;

namespace Serverless.Tests.TestSupport;

/// <summary>A dictionary-backed <see cref="IBlobStore"/>: paths are kept verbatim, writes overwrite and are counted.</summary>
public sealed class InMemoryBlobStore : IBlobStore
{
    private readonly ConcurrentDictionary<string, BinaryData> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _writes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _metadata = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Paths => _blobs.Keys.Order(StringComparer.Ordinal).ToList();

    public bool Contains(string path) => _blobs.ContainsKey(path);

    public int WriteCount(string path) => _writes.TryGetValue(path, out var count) ? count : 0;

    public int ReadCount(string path) => _reads.TryGetValue(path, out var count) ? count : 0;

    public BinaryData Get(string path) =>
        _blobs.TryGetValue(path, out var data) ? data : throw new KeyNotFoundException($"No blob '{path}'.");

    public Task<long> WriteAsync(string path, BinaryData content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default)
    {
        _metadata[path] = metadata;
        return Store(path, content);
    }

    public Task<long> WriteAsync(string path, BinaryData content, CancellationToken cancellationToken = default)
    {
        _metadata.TryRemove(path, out _);
        return Store(path, content);
    }

    public Task<bool> TryCreateAsync(string path, BinaryData content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!_blobs.TryAdd(path, BinaryData.FromBytes(content.ToArray())))
        {
            return Task.FromResult(false);
        }

        _metadata.TryRemove(path, out _);
        _writes.AddOrUpdate(path, 1, (_, count) => count + 1);
        return Task.FromResult(true);
    }

    private Task<long> Store(string path, BinaryData content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var copy = BinaryData.FromBytes(content.ToArray());
        _blobs[path] = copy;
        _writes.AddOrUpdate(path, 1, (_, count) => count + 1);
        return Task.FromResult((long)copy.ToMemory().Length);
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        _metadata.TryRemove(path, out _);
        return Task.FromResult(_blobs.TryRemove(path, out _));
    }

    public Task<BinaryData?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        _reads.AddOrUpdate(path, 1, (_, count) => count + 1);
        return Task.FromResult(_blobs.TryGetValue(path, out var data) ? data : null);
    }

    public Task<BinaryData?> ReadRangeAsync(string path, long offset, long length, CancellationToken cancellationToken = default)
    {
        if (!_blobs.TryGetValue(path, out var data))
        {
            return Task.FromResult<BinaryData?>(null);
        }

        var bytes = data.ToMemory();
        var start = (int)Math.Min(offset, bytes.Length);
        var count = (int)Math.Min(length, bytes.Length - start);
        return Task.FromResult<BinaryData?>(BinaryData.FromBytes(bytes.Slice(start, count)));
    }

    public Task<long?> GetSizeAsync(string path, CancellationToken cancellationToken = default) =>
        Task.FromResult(_blobs.TryGetValue(path, out var data) ? (long?)data.ToMemory().Length : null);

    public Task<Stream> OpenWriteAsync(string path, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new CommitOnDispose(this, path));

    public Task<Stream?> OpenReadAsync(string path, long offset, int bufferSize, CancellationToken cancellationToken = default)
    {
        if (!_blobs.TryGetValue(path, out var data))
        {
            return Task.FromResult<Stream?>(null);
        }

        var bytes = data.ToArray();
        var start = (int)Math.Min(offset, bytes.Length);
        return Task.FromResult<Stream?>(new MemoryStream(bytes, start, bytes.Length - start, writable: false));
    }

    public async IAsyncEnumerable<BlobEntry> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var path in Paths.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var data = _blobs[path];
            yield return new BlobEntry(path, data.ToMemory().Length, $"\"{WriteCount(path)}\"");
        }

        await Task.CompletedTask;
    }

    /// <summary>Pages by position in name order; the token is the name to continue after.</summary>
    public Task<BlobPage> ListPageAsync(string prefix, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var matching = Paths.Where(p => p.StartsWith(prefix, StringComparison.Ordinal) && (continuationToken is null || string.CompareOrdinal(p, continuationToken) > 0)).ToList();
        var page = matching.Take(pageSize).Select(path => new BlobEntry(path, _blobs[path].ToMemory().Length, $"\"{WriteCount(path)}\"", _metadata.GetValueOrDefault(path))).ToList();
        return Task.FromResult(new BlobPage(page, matching.Count > pageSize ? page[^1].Path : null));
    }

    /// <summary>Stores what was written when disposed, as an uploading blob stream commits on dispose.</summary>
    private sealed class CommitOnDispose(InMemoryBlobStore store, string path) : MemoryStream
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                store.WriteAsync(path, BinaryData.FromBytes(ToArray())).GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }
    }
}
