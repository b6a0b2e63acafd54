using System.Runtime.CompilerServices;
using System.Text.Json;
using Serverless.Storage;

namespace Serverless.Items;

/// <summary>Items that are not lines: one per blob under a prefix, or values given inline in the job.</summary>
public static class ListedItems
{
    /// <summary>
    /// Items <paramref name="skip"/> to <paramref name="skip"/> + <paramref name="take"/> − 1 of the blobs under
    /// <paramref name="prefix"/> in name order, each {"blob": path, "size": bytes} with its index in the listing.
    /// A shard lists from the start and skips (listings have no random access), so the listing must not change while
    /// the job runs.
    /// </summary>
    public static async IAsyncEnumerable<ItemRead> FromPrefix(
        IBlobStore blobs,
        string prefix,
        long skip,
        int take,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        if (take == 0)
        {
            yield break;
        }

        var index = 0L;
        var taken = 0;
        await foreach (var entry in blobs.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (index >= skip)
            {
                var source = new ItemSource(entry.Path, Index: index);
                var value = JsonSerializer.SerializeToElement(new BlobItem(entry.Path, entry.Size), BlobItemJson.Options);
                yield return new ItemRead(new Item(value, source), source, null);
                if (++taken == take)
                {
                    yield break;
                }
            }

            index++;
        }
    }

    /// <summary>
    /// Items <paramref name="skip"/> to <paramref name="skip"/> + <paramref name="take"/> − 1 of <paramref name="items"/>, each with its index.
    /// Asynchronous only so that a shard consumes every kind of input the same way.
    /// </summary>
    public static IAsyncEnumerable<ItemRead> FromInline(IReadOnlyList<JsonElement> items, long skip, int take)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        return Iterate(items, skip, take).ToAsyncEnumerable();

        static IEnumerable<ItemRead> Iterate(IReadOnlyList<JsonElement> items, long skip, int take)
        {
            for (var i = skip; i < items.Count && i < skip + take; i++)
            {
                var source = new ItemSource(null, Index: i);
                yield return new ItemRead(new Item(items[(int)i], source), source, null);
            }
        }
    }

    private sealed record BlobItem(string Blob, long Size);

    private static class BlobItemJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }
}
