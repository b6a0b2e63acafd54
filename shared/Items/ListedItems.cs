using System.Text.Json;

namespace Serverless.Items;

/// <summary>Items given inline in the job spec (a prefix input's blobs come from the plan that listed them once).</summary>
public static class ListedItems
{
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
}
