using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Serverless.Local.Storage;

/// <summary>
/// What a job left in the Azure Storage provider's history: its rows in <c>{hub}History</c> (its own
/// partition and its ranges', whose ids start with "{jobId}:") and its blobs in <c>{hub}-largemessages</c>,
/// where the provider moves payloads too large for a row. For the benchmark's bytes per shard and the tests
/// that look for payloads in history.
/// </summary>
public static class TaskHubHistory
{
    /// <param name="withText">Also read each entry's content (large messages are downloaded and unzipped).</param>
    public static async IAsyncEnumerable<HistoryEntry> ReadAsync(string connectionString, string hub, string jobId, bool withText, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(jobId);
        var ranges = jobId + ":";
        var afterRanges = jobId + ";"; // ';' follows ':', so this bounds every "{jobId}:…" key
        var history = new TableServiceClient(connectionString).GetTableClient(hub + "History");
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {jobId} or (PartitionKey ge {ranges} and PartitionKey lt {afterRanges})");
        await foreach (var row in history.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var values = row.Where(p => p.Key != "odata.etag").Select(p => p.Value).ToList();
            var text = withText ? string.Join('\u0001', values.Select(v => v is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(v, CultureInfo.InvariantCulture))) : null;
            yield return new HistoryEntry(row.PartitionKey, $"{row.GetString("EventType")} {row.GetString("Name")}", values.Sum(ValueBytes), text);
        }

        // The provider names large-message blobs "{instanceId}/…".
        var largeMessages = new BlobServiceClient(connectionString).GetBlobContainerClient(hub.ToLowerInvariant() + "-largemessages");
        if (!await largeMessages.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        await foreach (var blob in largeMessages.GetBlobsAsync(BlobTraits.None, BlobStates.None, jobId, cancellationToken).ConfigureAwait(false))
        {
            var instance = blob.Name.Split('/')[0];
            if (instance == jobId || instance.StartsWith(ranges, StringComparison.Ordinal))
            {
                var text = withText ? Unzip((await largeMessages.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToArray()) : null;
                yield return new HistoryEntry(instance, blob.Name, blob.Properties.ContentLength ?? 0, text);
            }
        }
    }

    private static long ValueBytes(object? value) => value switch
    {
        null => 0,
        string text => Encoding.UTF8.GetByteCount(text),
        byte[] data => data.Length,
        BinaryData data => data.ToMemory().Length,
        bool => 1,
        int => 4,
        Guid => 16,
        _ => 8, // long, double, DateTimeOffset
    };

    private static string Unzip(byte[] content)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(content), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (InvalidDataException)
        {
            return Encoding.UTF8.GetString(content); // stored uncompressed
        }
    }
}

/// <summary>One history row ("{EventType} {Name}") or large-message blob (its name) of an instance, its size in bytes, and its content when asked for.</summary>
public sealed record HistoryEntry(string Instance, string What, long Bytes, string? Text);
