using Azure.Core;

namespace Serverless.Storage;

public enum StorageService
{
    Blob,
    Queue,
    Table,
}

/// <summary>What a storage request did, per service; <see cref="StorageRequests.Describe"/> names them.</summary>
public enum StorageRequestKind
{
    BlobRead,
    BlobWrite,
    BlobList,
    BlobDelete,
    BlobLease,
    BlobOther,
    QueueDequeue,
    QueuePeek,
    QueuePut,
    QueueUpdate,
    QueueDelete,
    QueueOther,
    TablePointRead,
    TableQuery,
    TableWrite,
    TableBatch,
    TableOther,
}

/// <summary>
/// Classifies a storage request by service and kind from its HTTP method and URI alone, so a counter can sit in
/// any client's pipeline (ours and the Durable Task provider's) without knowing who sent the request.
/// </summary>
public static class StorageRequests
{
    /// <summary>The service and the kind's short name, e.g. ("queue", "dequeue").</summary>
    public static (string Service, string Kind) Describe(StorageRequestKind kind) => kind switch
    {
        StorageRequestKind.BlobRead => ("blob", "read"),
        StorageRequestKind.BlobWrite => ("blob", "write"),
        StorageRequestKind.BlobList => ("blob", "list"),
        StorageRequestKind.BlobDelete => ("blob", "delete"),
        StorageRequestKind.BlobLease => ("blob", "lease"),
        StorageRequestKind.BlobOther => ("blob", "other"),
        StorageRequestKind.QueueDequeue => ("queue", "dequeue"),
        StorageRequestKind.QueuePeek => ("queue", "peek"),
        StorageRequestKind.QueuePut => ("queue", "put"),
        StorageRequestKind.QueueUpdate => ("queue", "update"),
        StorageRequestKind.QueueDelete => ("queue", "delete"),
        StorageRequestKind.QueueOther => ("queue", "other"),
        StorageRequestKind.TablePointRead => ("table", "point-read"),
        StorageRequestKind.TableQuery => ("table", "query"),
        StorageRequestKind.TableWrite => ("table", "write"),
        StorageRequestKind.TableBatch => ("table", "batch"),
        StorageRequestKind.TableOther => ("table", "other"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static StorageRequestKind Classify(StorageService service, string method, Uri uri)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        var verb = method.ToUpperInvariant();
        var query = uri.Query;
        // Path-style (Azurite: /account/...) and host-style (Azure: account.blob.core.windows.net/...) URIs differ
        // only in their leading segments, so the rules look at the last ones.
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        return service switch
        {
            StorageService.Blob => ClassifyBlob(verb, query),
            StorageService.Queue => ClassifyQueue(verb, query, segments),
            StorageService.Table => ClassifyTable(verb, query, segments),
            _ => throw new ArgumentOutOfRangeException(nameof(service)),
        };
    }

    private static StorageRequestKind ClassifyBlob(string verb, string query) => verb switch
    {
        "GET" when HasParameter(query, "comp", "list") => StorageRequestKind.BlobList,
        "GET" or "HEAD" => StorageRequestKind.BlobRead,
        "PUT" when HasParameter(query, "comp", "lease") => StorageRequestKind.BlobLease,
        "PUT" => StorageRequestKind.BlobWrite,
        "DELETE" => StorageRequestKind.BlobDelete,
        _ => StorageRequestKind.BlobOther,
    };

    private static StorageRequestKind ClassifyQueue(string verb, string query, string[] segments)
    {
        // .../{queue}/messages for the queue's messages, .../{queue}/messages/{id}?popreceipt=… for one of them.
        var onMessages = segments.Length >= 1 && segments[^1] == "messages";
        var onMessage = segments.Length >= 2 && segments[^2] == "messages";
        return (verb, onMessages, onMessage) switch
        {
            ("GET", true, _) when HasParameter(query, "peekonly", "true") => StorageRequestKind.QueuePeek,
            ("GET", true, _) => StorageRequestKind.QueueDequeue,
            ("POST", true, _) => StorageRequestKind.QueuePut,
            ("PUT", _, true) => StorageRequestKind.QueueUpdate,
            ("DELETE", _, true) => StorageRequestKind.QueueDelete,
            _ => StorageRequestKind.QueueOther,
        };
    }

    private static StorageRequestKind ClassifyTable(string verb, string query, string[] segments)
    {
        var last = segments.Length == 0 ? string.Empty : segments[^1];
        if (last == "$batch")
        {
            return verb == "POST" ? StorageRequestKind.TableBatch : StorageRequestKind.TableOther;
        }

        // Tables, Tables('name'): creating, deleting and listing tables, not their rows.
        if (last.StartsWith("Tables", StringComparison.Ordinal) && (last.Length == 6 || last[6] == '('))
        {
            return StorageRequestKind.TableOther;
        }

        var keyed = last.Contains("PartitionKey=", StringComparison.Ordinal) && last.Contains("RowKey=", StringComparison.Ordinal);
        return verb switch
        {
            "GET" when keyed && !query.Contains("$filter", StringComparison.Ordinal) => StorageRequestKind.TablePointRead,
            "GET" => StorageRequestKind.TableQuery,
            "POST" or "PUT" or "PATCH" or "MERGE" or "DELETE" => StorageRequestKind.TableWrite,
            _ => StorageRequestKind.TableOther,
        };
    }

    private static bool HasParameter(string query, string name, string value) =>
        query.TrimStart('?').Split('&').Any(pair =>
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            return at > 0
                && pair.AsSpan(0, at).Equals(name, StringComparison.OrdinalIgnoreCase)
                && Uri.UnescapeDataString(pair[(at + 1)..]).Equals(value, StringComparison.OrdinalIgnoreCase);
        });

    /// <summary>The kind as the cost report names it: service and kind, e.g. "blob.read".</summary>
    public static string Name(StorageRequestKind kind)
    {
        var (service, name) = Describe(kind);
        return $"{service}.{name}";
    }

    /// <summary>The kind of the request <paramref name="message"/> is about to send.</summary>
    public static StorageRequestKind Classify(StorageService service, HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Classify(service, message.Request.Method.Method, message.Request.Uri.ToUri());
    }
}
