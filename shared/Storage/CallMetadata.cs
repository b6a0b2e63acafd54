using System.Globalization;
using System.Text;
using Serverless.Jobs;

namespace Serverless.Storage;

/// <summary>
/// One activity call as the timeline shows it: its shards and attempts, when and where it ran, how it went.
/// Read from the metadata of the call's blob, so a page of calls is one listing request, however large the job.
/// </summary>
public sealed record ShardCall(
    int First,
    int Count,
    IReadOnlyList<int> Shards,
    int Attempt,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    double DurationMs,
    string Worker,
    int Succeeded,
    int Failed,
    bool Backup,
    int Redrive,
    string? Error);

/// <summary>A page of a job's calls; the token asks for the next page and is null on the last.</summary>
public sealed record ShardCallPage(string JobId, IReadOnlyList<ShardCall> Calls, string? ContinuationToken);

/// <summary>
/// Writes and reads the metadata a call blob carries for the timeline. Metadata values travel as HTTP
/// headers, so text is cut down to printable ASCII and errors to a few hundred characters (the full error is
/// in the blob and the manifest).
/// </summary>
public static class CallMetadata
{
    private const int MaxErrorLength = 300;
    private const string StartedKey = "started";
    private const string EndedKey = "ended";
    private const string WorkerKey = "worker";
    private const string AttemptsKey = "attempts";
    private const string FailedKey = "failed";
    private const string BackupKey = "backup";
    private const string RedriveKey = "redrive";
    private const string ErrorKey = "error";

    /// <param name="startedAt">When the call began on <paramref name="worker"/>; its results may hold older times (a redrive keeps the shards that succeeded before).</param>
    public static IReadOnlyDictionary<string, string> For(IReadOnlyList<ShardResult> results, DateTimeOffset startedAt, DateTimeOffset endedAt, string worker, int redrive, bool backup)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(worker);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [StartedKey] = Time(startedAt),
            [EndedKey] = Time(endedAt),
            [WorkerKey] = Ascii(worker),
            [AttemptsKey] = string.Join(';', results.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Index}:{r.Attempt}"))),
            [FailedKey] = results.Count(r => r.Status == ShardStatus.Failed).ToString(CultureInfo.InvariantCulture),
            [BackupKey] = backup ? "1" : "0",
            [RedriveKey] = redrive.ToString(CultureInfo.InvariantCulture),
        };
        if (results.FirstOrDefault(r => r.Error is not null)?.Error is { } error)
        {
            metadata[ErrorKey] = Ascii(error.Length > MaxErrorLength ? error[..MaxErrorLength] : error);
        }

        return metadata;
    }

    /// <summary>The call a listed blob records, or null for a blob without call metadata (written before calls carried it).</summary>
    public static ShardCall? Read(BlobEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var metadata = entry.Metadata;
        if (metadata is null || !metadata.TryGetValue(AttemptsKey, out var attempts) || !metadata.TryGetValue(StartedKey, out var started) || !metadata.TryGetValue(EndedKey, out var ended))
        {
            return null;
        }

        var pairs = attempts.Split(';').Select(pair => pair.Split(':')).Select(p => (Index: Int(p[0]), Attempt: Int(p[1]))).ToList();
        var start = DateTimeOffset.Parse(started, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var end = DateTimeOffset.Parse(ended, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var failed = Int(metadata.GetValueOrDefault(FailedKey, "0"));
        return new ShardCall(
            pairs[0].Index,
            pairs.Count,
            [.. pairs.Select(p => p.Index)],
            pairs.Max(p => p.Attempt),
            start,
            end,
            Math.Round((end - start).TotalMilliseconds, 3),
            metadata.GetValueOrDefault(WorkerKey, string.Empty),
            pairs.Count - failed,
            failed,
            metadata.GetValueOrDefault(BackupKey) == "1",
            Int(metadata.GetValueOrDefault(RedriveKey, "0")),
            metadata.GetValueOrDefault(ErrorKey));
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static int Int(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static string Ascii(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return builder.ToString();
    }
}
