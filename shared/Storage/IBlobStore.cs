namespace Serverless.Storage;

/// <summary>
/// The blob I/O the engine needs. Paths are "container/blob/name" so one store serves every container.
/// </summary>
public interface IBlobStore
{
    /// <summary>Writes (or overwrites) the blob and returns its size in bytes.</summary>
    Task<long> WriteAsync(string path, BinaryData content, CancellationToken cancellationToken = default);

    /// <summary>Writes (or overwrites) the blob with metadata that <see cref="ListPageAsync"/> returns, and returns its size in bytes.</summary>
    Task<long> WriteAsync(string path, BinaryData content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default);

    /// <summary>Writes the blob only if none exists at <paramref name="path"/>: true for exactly one of racing writers.</summary>
    Task<bool> TryCreateAsync(string path, BinaryData content, CancellationToken cancellationToken = default);

    /// <summary>The blob's content, or null when it does not exist.</summary>
    Task<BinaryData?> ReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary><paramref name="length"/> bytes from <paramref name="offset"/> (fewer at the end), or null when the blob does not exist.</summary>
    Task<BinaryData?> ReadRangeAsync(string path, long offset, long length, CancellationToken cancellationToken = default);

    /// <summary>The blob's size in bytes, or null when it does not exist.</summary>
    Task<long?> GetSizeAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>A stream that uploads as it is written, for outputs too large to hold in memory.</summary>
    Task<Stream> OpenWriteAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// A stream of the blob from <paramref name="offset"/> that downloads as it is read (ranged requests of
    /// <paramref name="bufferSize"/> bytes), or null when the blob does not exist.
    /// </summary>
    Task<Stream?> OpenReadAsync(string path, long offset, int bufferSize, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>The blobs whose paths start with <paramref name="prefix"/> ("container/some/prefix"), in name order.</summary>
    IAsyncEnumerable<BlobEntry> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of at most <paramref name="pageSize"/> blobs under <paramref name="prefix"/>, in name order, with
    /// their metadata; pass the page's token back for the next one (null on the last page).
    /// </summary>
    Task<BlobPage> ListPageAsync(string prefix, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);
}

/// <summary>A listed blob: its path (with container), size and ETag; its metadata where the listing asked for it.</summary>
public sealed record BlobEntry(string Path, long Size, string ETag, IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>A page of a listing and the token for the next page (null when this is the last).</summary>
public sealed record BlobPage(IReadOnlyList<BlobEntry> Blobs, string? ContinuationToken);
