using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Serverless.Api;
using Serverless.Jobs;

namespace Serverless.Batches;

/// <summary>What a blob in <c>batches</c> is, by its name alone.</summary>
public enum BatchKind
{
    /// <summary>A sidecar, an error record or a folder marker: never a batch.</summary>
    Ignored,

    /// <summary><c>{name}.json</c> at the container's root: a job spec.</summary>
    JobSpec,

    /// <summary><c>{workload}/{name}</c>: a data file the workload runs over.</summary>
    DataFile,

    /// <summary>Any other file at the root: neither a spec nor in a workload folder.</summary>
    Unsupported,
}

public enum BatchStatus
{
    /// <summary>This call started the blob version's job.</summary>
    Started,

    /// <summary>The blob version's job existed already (a redelivery, a rescan); nothing started.</summary>
    AlreadyStarted,

    /// <summary>Invalid: moved to <c>batches-failed/</c> with an error record.</summary>
    SetAside,

    /// <summary>Invalid, but the copy to <c>batches-failed/</c> failed: the original stays, to be tried again.</summary>
    SetAsideFailed,

    /// <summary>Not a batch, or the version is gone or has changed (the newer one is handled on its own).</summary>
    Ignored,
}

/// <summary>What <see cref="BatchService.HandleAsync"/> did with one blob version.</summary>
public sealed record BatchOutcome(BatchStatus Status, string? JobId = null, string? Detail = null);

/// <summary>The sidecar <c>batches/{name}.job.json</c>: which job the blob version started.</summary>
public sealed record BatchJobRecord(
    string Blob,
    [property: JsonPropertyName("etag")] string ETag,
    string JobId,
    BatchStatus Status,
    string? StatusQueryGetUri,
    DateTimeOffset At);

/// <summary><c>batches-failed/{name}.error.json</c>: why the blob version started nothing.</summary>
public sealed record BatchErrorRecord(
    string Blob,
    [property: JsonPropertyName("etag")] string ETag,
    IDictionary<string, string[]> Errors,
    string Detail,
    DateTimeOffset At);

/// <summary>
/// Where batch blobs, their sidecars and set-aside copies live (documented in the README under "Batches"),
/// and the names derived from a blob version. Paths start with their container.
/// </summary>
public static class BatchLayout
{
    public const string Container = "batches";
    public const string FailedContainer = "batches-failed";
    public const string SidecarSuffix = ".job.json";
    public const string ErrorSuffix = ".error.json";

    /// <summary>A spec is read into memory; anything larger is set aside unread.</summary>
    public const long MaxSpecBytes = 16L << 20;

    public static string Path(string name) => $"{Container}/{name}";

    public static string Sidecar(string name) => $"{Container}/{name}{SidecarSuffix}";

    public static string Failed(string name) => $"{FailedContainer}/{name}";

    public static string FailedError(string name) => $"{FailedContainer}/{name}{ErrorSuffix}";

    public static BatchKind KindOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var fileName = name[(name.LastIndexOf('/') + 1)..];
        if (fileName.Length == 0
            || fileName.EndsWith(SidecarSuffix, StringComparison.OrdinalIgnoreCase)
            || fileName.EndsWith(ErrorSuffix, StringComparison.OrdinalIgnoreCase)
            || fileName.Equals("error.json", StringComparison.OrdinalIgnoreCase))
        {
            return BatchKind.Ignored;
        }

        if (name.Contains('/', StringComparison.Ordinal))
        {
            return BatchKind.DataFile;
        }

        return name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? BatchKind.JobSpec : BatchKind.Unsupported;
    }

    /// <summary>
    /// The one job id of a blob version: the same name and ETag always give the same id, an overwrite (new ETag)
    /// a new one. The ETag counts without quotes, so the trigger's (quoted) and a listing's (bare) agree.
    /// </summary>
    public static string JobId(string name, string etag)
    {
        ArgumentNullException.ThrowIfNull(name);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{name}\n{ETagValue(etag)}"));
        return "batch-" + Convert.ToHexStringLower(hash)[..32];
    }

    /// <summary>The ETag without quotes: blob listings give it bare, response headers quoted.</summary>
    public static string ETagValue(string etag)
    {
        ArgumentNullException.ThrowIfNull(etag);
        return etag.Trim('"');
    }

    /// <summary>The spec of a data file <c>{workload}/{name}</c>: that workload over the file (format from its extension).</summary>
    public static string DataFileSpec(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw new ArgumentException($"'{name}' is not in a workload folder.", nameof(name));
        }

        return new JsonObject
        {
            ["workload"] = name[..slash],
            ["input"] = new JsonObject { ["blob"] = Path(name) },
        }.ToJsonString();
    }

}

/// <summary>
/// Blob-triggered batches: one blob version in <c>batches</c> starts exactly one job (its id comes from the
/// name and ETag), and records it in a sidecar; an invalid one is moved to <c>batches-failed</c> with the
/// reasons. Host-neutral: the Functions blob trigger and the local watcher both call <see cref="HandleAsync"/>.
/// </summary>
public sealed partial class BatchService
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly JobService _jobs;
    private readonly IBatchStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public BatchService(JobService jobs, IBatchStore store, TimeProvider time, ILogger<BatchService> logger)
    {
        _jobs = jobs;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Starts the blob version's job unless it exists, or sets the blob aside when it is invalid. Safe to call
    /// any number of times for the same version. Storage and engine errors propagate, so the caller retries.
    /// </summary>
    public async Task<BatchOutcome> HandleAsync(BatchBlob blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var kind = BatchLayout.KindOf(blob.Name);
        if (kind == BatchKind.Ignored)
        {
            LogIgnored(_logger, blob.Name);
            return new BatchOutcome(BatchStatus.Ignored);
        }

        var errors = new ValidationErrors();
        var json = kind switch
        {
            BatchKind.DataFile => BatchLayout.DataFileSpec(blob.Name),
            BatchKind.JobSpec => await ReadSpecAsync(blob, errors, cancellationToken).ConfigureAwait(false),
            _ => Unsupported(errors),
        };
        if (json is null && errors.IsEmpty)
        {
            LogGone(_logger, blob.Name, blob.ETag);
            return new BatchOutcome(BatchStatus.Ignored);
        }

        var jobId = BatchLayout.JobId(blob.Name, blob.ETag);
        if (json is not null)
        {
            if (await _jobs.StartIfNewAsync(json, jobId, errors, cancellationToken).ConfigureAwait(false) is not null)
            {
                await WriteSidecarAsync(blob, jobId, BatchStatus.Started, cancellationToken).ConfigureAwait(false);
                LogStarted(_logger, blob.Name, blob.ETag, jobId);
                return new BatchOutcome(BatchStatus.Started, jobId);
            }

            if (errors.IsEmpty)
            {
                await EnsureSidecarAsync(blob, jobId, cancellationToken).ConfigureAwait(false);
                LogAlreadyStarted(_logger, blob.Name, blob.ETag, jobId);
                return new BatchOutcome(BatchStatus.AlreadyStarted, jobId);
            }
        }

        return await SetAsideAsync(blob, errors, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> ReadSpecAsync(BatchBlob blob, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (blob.Size > BatchLayout.MaxSpecBytes)
        {
            errors.Add("$", string.Create(CultureInfo.InvariantCulture, $"is {blob.Size:N0} bytes; a job spec may be at most {BatchLayout.MaxSpecBytes:N0}."));
            return null;
        }

        var content = await _store.ReadAsync(BatchLayout.Path(blob.Name), blob.ETag, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        try
        {
            // Editors on Windows like to start files with a byte order mark; the parser does not expect one.
            return StrictUtf8.GetString(content.ToMemory().Span).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException ex)
        {
            errors.Add("$", $"is not UTF-8 text: {ex.Message}");
            return null;
        }
    }

    private static string? Unsupported(ValidationErrors errors)
    {
        errors.Add("blob", $"at the root of '{BatchLayout.Container}' must be a job spec ending in .json; put data files in a workload folder, '{BatchLayout.Container}/{{workload}}/{{name}}'.");
        return null;
    }

    private Task WriteSidecarAsync(BatchBlob blob, string jobId, BatchStatus status, CancellationToken cancellationToken) =>
        _store.WriteAsync(
            BatchLayout.Sidecar(blob.Name),
            JobJson.Serialize(new BatchJobRecord(BatchLayout.Path(blob.Name), BatchLayout.ETagValue(blob.ETag), jobId, status, JobLinks.StatusPath(jobId), _time.GetUtcNow())),
            cancellationToken);

    /// <summary>A rescan leaves a sidecar that already names the job alone; one lost to a crash after the start is written now.</summary>
    private async Task EnsureSidecarAsync(BatchBlob blob, string jobId, CancellationToken cancellationToken)
    {
        var existing = await _store.ReadAsync(BatchLayout.Sidecar(blob.Name), etag: null, cancellationToken).ConfigureAwait(false);
        if (existing is null || !NamesJob(existing, jobId))
        {
            await WriteSidecarAsync(blob, jobId, BatchStatus.AlreadyStarted, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool NamesJob(BinaryData sidecar, string jobId)
    {
        try
        {
            return JobJson.Deserialize<BatchJobRecord>(sidecar).JobId == jobId;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Copy, verify, record why, and only then delete the original: a failure at any step before the delete
    /// leaves the original where it was, so nothing is lost.
    /// </summary>
    private async Task<BatchOutcome> SetAsideAsync(BatchBlob blob, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var detail = errors.ToString();
        var (source, copy, error) = (BatchLayout.Path(blob.Name), BatchLayout.Failed(blob.Name), BatchLayout.FailedError(blob.Name));
        try
        {
            await _store.CopyAsync(source, blob.ETag, copy, cancellationToken).ConfigureAwait(false);
            var copied = await _store.GetSizeAsync(copy, cancellationToken).ConfigureAwait(false);
            if (copied != blob.Size)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The copy '{copy}' is {(copied is null ? "missing" : $"{copied} bytes")}, not {blob.Size} bytes."));
            }

            var record = new BatchErrorRecord(source, BatchLayout.ETagValue(blob.ETag), errors.ToDictionary(), detail, _time.GetUtcNow());
            await _store.WriteAsync(error, JobJson.Serialize(record), cancellationToken).ConfigureAwait(false);
            if (await _store.GetSizeAsync(error, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new InvalidOperationException($"The error record '{error}' is missing after it was written.");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSetAsideFailed(_logger, ex, source, detail);
            return new BatchOutcome(BatchStatus.SetAsideFailed, Detail: detail);
        }

        if (!await _store.DeleteAsync(source, blob.ETag, cancellationToken).ConfigureAwait(false))
        {
            LogNotDeleted(_logger, source, copy);
        }

        LogSetAside(_logger, source, copy, detail);
        return new BatchOutcome(BatchStatus.SetAside, Detail: detail);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Blob {Name} in batches is a sidecar or error record, not a batch; ignored.")]
    private static partial void LogIgnored(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {Name} ({ETag}) is gone or has changed; a newer version is handled on its own.")]
    private static partial void LogGone(ILogger logger, string name, string etag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {Name} ({ETag}) started job {JobId}.")]
    private static partial void LogStarted(ILogger logger, string name, string etag, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {Name} ({ETag}): job {JobId} exists already; nothing started.")]
    private static partial void LogAlreadyStarted(ILogger logger, string name, string etag, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {Source} is invalid and was moved to {Copy}: {Detail}")]
    private static partial void LogSetAside(ILogger logger, string source, string copy, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch {Source} is invalid ({Detail}) but could not be set aside; it stays where it is, to be tried again.")]
    private static partial void LogSetAsideFailed(ILogger logger, Exception exception, string source, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {Source} was copied to {Copy}, but the original was not deleted: it has changed or is gone since.")]
    private static partial void LogNotDeleted(ILogger logger, string source, string copy);
}
