using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Serverless.Storage;

/// <summary><see cref="IBlobStore"/> on Azure Blob Storage (or Azurite).</summary>
public sealed class BlobStore : IBlobStore
{
    private readonly BlobServiceClient _service;
    private readonly ConcurrentDictionary<string, Lazy<Task<BlobContainerClient>>> _containers = new(StringComparer.Ordinal);

    public BlobStore(BlobServiceClient service)
    {
        _service = service;
    }

    public Task<long> WriteAsync(string path, BinaryData content, CancellationToken cancellationToken = default) =>
        UploadAsync(path, content, metadata: null, cancellationToken);

    public Task<long> WriteAsync(string path, BinaryData content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default) =>
        UploadAsync(path, content, metadata.ToDictionary(StringComparer.Ordinal), cancellationToken);

    public async Task<BinaryData?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var blob = await GetBlobClientAsync(path).ConfigureAwait(false);
        try
        {
            var response = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
    }

    public async Task<BinaryData?> ReadRangeAsync(string path, long offset, long length, CancellationToken cancellationToken = default)
    {
        var blob = await GetBlobClientAsync(path).ConfigureAwait(false);
        try
        {
            var options = new BlobDownloadOptions { Range = new HttpRange(offset, length) };
            var response = await blob.DownloadContentAsync(options, cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
    }

    public async Task<long?> GetSizeAsync(string path, CancellationToken cancellationToken = default)
    {
        var blob = await GetBlobClientAsync(path).ConfigureAwait(false);
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound || ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream> OpenWriteAsync(string path, CancellationToken cancellationToken = default)
    {
        var blob = await GetBlobClientAsync(path).ConfigureAwait(false);
        var options = new BlobOpenWriteOptions { HttpHeaders = new BlobHttpHeaders { ContentType = ContentTypes.Of(path) } };
        return await blob.OpenWriteAsync(overwrite: true, options, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream?> OpenReadAsync(string path, long offset, int bufferSize, CancellationToken cancellationToken = default)
    {
        var blob = await GetBlobClientAsync(path).ConfigureAwait(false);
        try
        {
            return await blob.OpenReadAsync(offset, bufferSize, conditions: null, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound || ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        var blob = await GetBlobClientAsync(path).ConfigureAwait(false);
        return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
    }

    public async IAsyncEnumerable<BlobEntry> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (containerName, blobPrefix) = SplitPrefix(prefix);
        var container = _service.GetBlobContainerClient(containerName);
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, blobPrefix, cancellationToken).ConfigureAwait(false))
        {
            yield return new BlobEntry($"{containerName}/{item.Name}", item.Properties.ContentLength ?? 0, item.Properties.ETag?.ToString() ?? string.Empty);
        }
    }

    public async Task<BlobPage> ListPageAsync(string prefix, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var (containerName, blobPrefix) = SplitPrefix(prefix);
        var container = _service.GetBlobContainerClient(containerName);
        try
        {
            await foreach (var page in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, blobPrefix, cancellationToken)
                               .AsPages(continuationToken, pageSize).ConfigureAwait(false))
            {
                var blobs = page.Values.Select(item => new BlobEntry(
                    $"{containerName}/{item.Name}",
                    item.Properties.ContentLength ?? 0,
                    item.Properties.ETag?.ToString() ?? string.Empty,
                    item.Metadata is { Count: > 0 } metadata ? new Dictionary<string, string>(metadata, StringComparer.Ordinal) : null)).ToList();
                return new BlobPage(blobs, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Nothing written yet: an empty listing, as for a prefix with no blobs.
        }

        return new BlobPage([], null);
    }

    /// <summary>
    /// The client of the blob at "container/name", its container created once however many callers race for
    /// it: for what <see cref="IBlobStore"/> does not offer (operations on one version, server-side copies).
    /// </summary>
    public async Task<BlobClient> GetBlobClientAsync(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == path.Length - 1)
        {
            throw new ArgumentException($"Blob path '{path}' must look like 'container/name'.", nameof(path));
        }

        var containerName = path[..slash];
        var creation = _containers.GetOrAdd(containerName, name => new Lazy<Task<BlobContainerClient>>(() => CreateContainerAsync(name)));
        try
        {
            var container = await creation.Value.ConfigureAwait(false);
            return container.GetBlobClient(path[(slash + 1)..]);
        }
        catch (RequestFailedException)
        {
            // A transient failure must not stick: the next caller tries to create the container again.
            _containers.TryRemove(new KeyValuePair<string, Lazy<Task<BlobContainerClient>>>(containerName, creation));
            throw;
        }
    }

    public async Task<bool> TryCreateAsync(string path, BinaryData content, CancellationToken cancellationToken = default)
    {
        try
        {
            await UploadAsync(path, content, metadata: null, cancellationToken, new BlobRequestConditions { IfNoneMatch = ETag.All }).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    private async Task<long> UploadAsync(string path, BinaryData content, IDictionary<string, string>? metadata, CancellationToken cancellationToken, BlobRequestConditions? conditions = null)
    {
        var blob = await GetBlobClientAsync(path).ConfigureAwait(false);
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = ContentTypes.Of(path) }, Metadata = metadata, Conditions = conditions };
        await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
        return content.ToMemory().Length;
    }

    private static (string Container, string BlobPrefix) SplitPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var slash = prefix.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (prefix, string.Empty) : (prefix[..slash], prefix[(slash + 1)..]);
    }

    private async Task<BlobContainerClient> CreateContainerAsync(string name)
    {
        var container = _service.GetBlobContainerClient(name);
        await container.CreateIfNotExistsAsync().ConfigureAwait(false);
        return container;
    }
}
