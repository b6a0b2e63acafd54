namespace Serverless.Items;

/// <summary>
/// Groups items into shards in order: a shard takes items while it holds fewer than maxItems and their bytes
/// stay within maxBytes (an item larger than maxBytes gets a shard of its own). Deterministic, so planning
/// and every shard agree on the boundaries.
/// </summary>
public static class ItemBatches
{
    /// <summary>The boundaries of inline items, each sized by its JSON text.</summary>
    public static IReadOnlyList<int> ForInline(IReadOnlyList<System.Text.Json.JsonElement> items, int maxItems, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(items);
        return Boundaries([.. items.Select(i => (long)i.GetRawText().Length)], maxItems, maxBytes);
    }

    /// <summary>The first index of each shard, then the item count: shard n holds items [b[n], b[n+1]).</summary>
    public static IReadOnlyList<int> Boundaries(IReadOnlyList<long> sizes, int maxItems, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var boundaries = new List<int> { 0 };
        long bytes = 0;
        var count = 0;
        for (var i = 0; i < sizes.Count; i++)
        {
            if (count > 0 && (count >= maxItems || bytes + sizes[i] > maxBytes))
            {
                boundaries.Add(i);
                (bytes, count) = (0, 0);
            }

            bytes += sizes[i];
            count++;
        }

        if (sizes.Count > 0 || boundaries.Count == 1)
        {
            boundaries.Add(sizes.Count);
        }

        return boundaries;
    }
}
