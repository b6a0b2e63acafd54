namespace Serverless.Batches;

/// <summary>
/// One version of a blob in the <c>batches</c> container: its name inside the container (what the blob
/// trigger's <c>{name}</c> is), its ETag and its size in bytes.
/// </summary>
public sealed record BatchBlob(string Name, string ETag, long Size);

/// <summary>
/// The storage a <see cref="BatchService"/> needs. Paths are "container/name", as in
/// <see cref="Storage.IBlobStore"/>. Operations that take an ETag act on that version only, so a blob
/// overwritten meanwhile is never read, copied or deleted in place of the version being handled.
/// </summary>
public interface IBatchStore
{
    /// <summary>Every blob in the <c>batches</c> container with its ETag (none when the container does not exist).</summary>
    IAsyncEnumerable<BatchBlob> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The content of that version of the blob; null when it is gone or has changed since.</summary>
    Task<BinaryData?> ReadAsync(string path, string? etag, CancellationToken cancellationToken = default);

    /// <summary>Writes (or overwrites) a small JSON blob: a sidecar or an error record.</summary>
    Task WriteAsync(string path, BinaryData content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies that version of <paramref name="source"/> to <paramref name="destination"/> on the service
    /// side and waits until the copy has finished; throws when it cannot.
    /// </summary>
    Task CopyAsync(string source, string etag, string destination, CancellationToken cancellationToken = default);

    /// <summary>The blob's size in bytes, or null when it does not exist.</summary>
    Task<long?> GetSizeAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Deletes that version of the blob; false when it is gone or has changed since (then it stays).</summary>
    Task<bool> DeleteAsync(string path, string etag, CancellationToken cancellationToken = default);
}
