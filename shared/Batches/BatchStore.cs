using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs.Models;
using Serverless.Storage;

namespace Serverless.Batches;

/// <summary>
/// <see cref="IBatchStore"/> on the app's <see cref="BlobStore"/>: plain reads, writes, sizes and listings go
/// through it; the operations on one blob version (conditional read, copy, delete) use its blob clients.
/// </summary>
public sealed class BatchStore : IBatchStore
{
    private readonly BlobStore _blobs;

    public BatchStore(BlobStore blobs)
    {
        _blobs = blobs;
    }

    public async IAsyncEnumerable<BatchBlob> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var folder = BatchLayout.Path(string.Empty);
        await foreach (var entry in _blobs.ListAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            yield return new BatchBlob(entry.Path[folder.Length..], entry.ETag, entry.Size);
        }
    }

    public async Task<BinaryData?> ReadAsync(string path, string? etag, CancellationToken cancellationToken = default)
    {
        if (etag is null)
        {
            return await _blobs.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        }

        var blob = await _blobs.GetBlobClientAsync(path).ConfigureAwait(false);
        try
        {
            var options = new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(etag) } };
            var response = await blob.DownloadContentAsync(options, cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (IsGoneOrChanged(ex))
        {
            return null;
        }
    }

    public Task WriteAsync(string path, BinaryData content, CancellationToken cancellationToken = default) =>
        _blobs.WriteAsync(path, content, cancellationToken);

    public async Task CopyAsync(string source, string etag, string destination, CancellationToken cancellationToken = default)
    {
        var target = await _blobs.GetBlobClientAsync(destination).ConfigureAwait(false);
        var from = await _blobs.GetBlobClientAsync(source).ConfigureAwait(false);

        // A copy inside the account is authorized by the caller's own credential (key or identity), no SAS needed.
        var options = new BlobCopyFromUriOptions { SourceConditions = new BlobRequestConditions { IfMatch = new ETag(etag) } };
        var copy = await target.StartCopyFromUriAsync(from.Uri, options, cancellationToken).ConfigureAwait(false);
        await copy.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<long?> GetSizeAsync(string path, CancellationToken cancellationToken = default) =>
        _blobs.GetSizeAsync(path, cancellationToken);

    public async Task<bool> DeleteAsync(string path, string etag, CancellationToken cancellationToken = default)
    {
        var blob = await _blobs.GetBlobClientAsync(path).ConfigureAwait(false);
        try
        {
            var conditions = new BlobRequestConditions { IfMatch = new ETag(etag) };
            await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (IsGoneOrChanged(ex))
        {
            return false;
        }
    }

    private static bool IsGoneOrChanged(RequestFailedException ex) => ex.Status is 404 or 412;
}
