using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Serverless.Batches;

/// <summary><see cref="IBatchStore"/> on Azure Blob Storage (or Azurite).</summary>
public sealed class BatchStore : IBatchStore
{
    private readonly BlobServiceClient _service;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _created = new(StringComparer.Ordinal);

    public BatchStore(BlobServiceClient service)
    {
        _service = service;
    }

    public async IAsyncEnumerable<BatchBlob> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var container = _service.GetBlobContainerClient(BatchLayout.Container);
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken).ConfigureAwait(false))
        {
            yield return new BatchBlob(item.Name, item.Properties.ETag?.ToString() ?? string.Empty, item.Properties.ContentLength ?? 0);
        }
    }

    public async Task<BinaryData?> ReadAsync(string path, string? etag, CancellationToken cancellationToken = default)
    {
        var options = new BlobDownloadOptions { Conditions = etag is null ? null : new BlobRequestConditions { IfMatch = new ETag(etag) } };
        try
        {
            var response = await Blob(path).DownloadContentAsync(options, cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (IsGoneOrChanged(ex))
        {
            return null;
        }
    }

    public async Task WriteAsync(string path, BinaryData content, CancellationToken cancellationToken = default)
    {
        var blob = Blob(path);
        await EnsureContainerAsync(blob.BlobContainerName).ConfigureAwait(false);
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } };
        await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
    }

    public async Task CopyAsync(string source, string etag, string destination, CancellationToken cancellationToken = default)
    {
        var target = Blob(destination);
        await EnsureContainerAsync(target.BlobContainerName).ConfigureAwait(false);
        // A copy inside the account is authorized by the caller's own credential (key or identity), no SAS needed.
        var options = new BlobCopyFromUriOptions { SourceConditions = new BlobRequestConditions { IfMatch = new ETag(etag) } };
        var copy = await target.StartCopyFromUriAsync(Blob(source).Uri, options, cancellationToken).ConfigureAwait(false);
        await copy.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long?> GetSizeAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await Blob(path).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(string path, string etag, CancellationToken cancellationToken = default)
    {
        try
        {
            var conditions = new BlobRequestConditions { IfMatch = new ETag(etag) };
            await Blob(path).DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (IsGoneOrChanged(ex))
        {
            return false;
        }
    }

    private static bool IsGoneOrChanged(RequestFailedException ex) => ex.Status is 404 or 412;

    private BlobClient Blob(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == path.Length - 1)
        {
            throw new ArgumentException($"Blob path '{path}' must look like 'container/name'.", nameof(path));
        }

        return _service.GetBlobContainerClient(path[..slash]).GetBlobClient(path[(slash + 1)..]);
    }

    /// <summary>batches-failed may not exist yet where nobody created it (Azurite); create it once per process.</summary>
    private async Task EnsureContainerAsync(string name)
    {
        var creation = _created.GetOrAdd(name, n => new Lazy<Task>(() => _service.GetBlobContainerClient(n).CreateIfNotExistsAsync()));
        try
        {
            await creation.Value.ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            // A transient failure must not stick: the next caller tries again.
            _created.TryRemove(new KeyValuePair<string, Lazy<Task>>(name, creation));
            throw;
        }
    }
}
