namespace Serverless.Storage;

/// <summary>
/// Every top-level job, newest first. The engines can list instances but neither in creation order nor
/// without the range orchestrations, so paging jobs needs an index of its own.
/// </summary>
public interface IJobIndex
{
    /// <summary>
    /// Adds the job; false when it is indexed already (the same job started twice). Atomic, so a true answer is
    /// also the claim to start a job whose id is not new (a batch blob version's).
    /// </summary>
    Task<bool> TryAddAsync(JobIndexEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes over the claim of an indexed job whose entry was last written before <paramref name="writtenBefore"/>
    /// (its starter died between indexing and starting): true for exactly one caller; false when the entry is
    /// newer, missing, or another caller took it first.
    /// </summary>
    Task<bool> TryReclaimAsync(string jobId, DateTimeOffset writtenBefore, CancellationToken cancellationToken = default);

    /// <summary>Removes the job; nothing happens when it is not there.</summary>
    Task RemoveAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Jobs newest first, from just after <see cref="JobIndexQuery.After"/>.</summary>
    IAsyncEnumerable<JobIndexEntry> ListAsync(JobIndexQuery query, CancellationToken cancellationToken = default);
}

/// <summary>An indexed job. <see cref="Position"/> orders the index and is what a continuation token holds.</summary>
public sealed record JobIndexEntry(string JobId, string Workload, DateTimeOffset CreatedAt)
{
    public string Position => JobIndexPositions.Of(CreatedAt, JobId);
}

/// <param name="After">A <see cref="JobIndexEntry.Position"/>: list only what comes after it.</param>
public sealed record JobIndexQuery(string? After = null, string? Workload = null, DateTimeOffset? CreatedAfter = null, DateTimeOffset? CreatedBefore = null);

/// <summary>
/// Positions sort newest first as plain strings: the ticks left until <see cref="DateTimeOffset.MaxValue"/>,
/// zero-padded, then the job id (two jobs in one tick still get distinct positions).
/// </summary>
public static class JobIndexPositions
{
    public const string Prefix = "t-";

    public static string Of(DateTimeOffset createdAt, string jobId) => Of(createdAt) + "-" + jobId;

    /// <summary>The position of a creation time, before any job id: the bound a time filter needs.</summary>
    public static string Of(DateTimeOffset createdAt) =>
        Prefix + (DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsValid(string position) =>
        position.Length > Prefix.Length + 20 && position.StartsWith(Prefix, StringComparison.Ordinal)
        && position.AsSpan(Prefix.Length, 19).IndexOfAnyExceptInRange('0', '9') < 0 && position[Prefix.Length + 19] == '-';
}
