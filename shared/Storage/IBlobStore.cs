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
}
