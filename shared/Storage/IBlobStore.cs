namespace Serverless.Storage;

/// <summary>
/// The blob I/O the engine needs. Paths are "container/blob/name" so one store serves every container.
/// </summary>
public interface IBlobStore
{
    /// <summary>Writes (or overwrites) the blob and returns its size in bytes.</summary>
    Task<long> WriteAsync(string path, BinaryData content, CancellationToken cancellationToken = default);

    /// <summary>The blob's content, or null when it does not exist.</summary>
    Task<BinaryData?> ReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary><paramref name="length"/> bytes from <paramref name="offset"/> (fewer at the end), or null when the blob does not exist.</summary>
    Task<BinaryData?> ReadRangeAsync(string path, long offset, long length, CancellationToken cancellationToken = default);

    /// <summary>The blob's size in bytes, or null when it does not exist.</summary>
    Task<long?> GetSizeAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>A stream that uploads as it is written, for outputs too large to hold in memory.</summary>
    Task<Stream> OpenWriteAsync(string path, CancellationToken cancellationToken = default);
}
