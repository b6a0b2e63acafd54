namespace Serverless.Items;

/// <summary>Splits a blob's bytes into the ranges that line-reading shards take, before line alignment.</summary>
public static class ByteRanges
{
    /// <summary>
    /// Consecutive ranges of <paramref name="maxBytesPerShard"/> bytes (the last one shorter) covering [0, <paramref name="size"/>)
    /// in order. An empty blob gives one empty range, so it still has a shard (which reads no lines).
    /// </summary>
    public static IReadOnlyList<ByteRange> Split(long size, long maxBytesPerShard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytesPerShard);
        if (size == 0)
        {
            return [new ByteRange(0, 0)];
        }

        var count = ((size - 1) / maxBytesPerShard) + 1;
        if (count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytesPerShard), maxBytesPerShard, $"{size} bytes would need {count} ranges; allow more bytes per shard.");
        }

        var ranges = new ByteRange[count];
        for (var i = 0L; i < count; i++)
        {
            var start = i * maxBytesPerShard;
            ranges[i] = new ByteRange(start, Math.Min(size, start + maxBytesPerShard));
        }

        return ranges;
    }
}
