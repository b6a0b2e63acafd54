using System.Security.Cryptography;
using System.Text.Json;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Storage;

namespace Serverless.Workloads;

public sealed record ChecksumParameters;

public sealed record BlobChecksum(string Blob, long Size, string Sha256);

public sealed record ChecksumPartial(long Blobs, long Bytes);

/// <summary>The totals; the checksums themselves are the JSONL lines of <c>items/succeeded-{n}.jsonl</c>.</summary>
public sealed record ChecksumResult(long Blobs, long Bytes, string Checksums);

/// <summary>
/// An integrity manifest: the SHA-256 and size of every blob under a prefix (input <c>{"prefix": ...}</c>),
/// each blob streamed through the hash, never held in memory.
/// </summary>
public sealed class ChecksumWorkload : ItemWorkload<ChecksumParameters, BlobChecksum, ChecksumPartial, ChecksumResult>
{
    private const int ReadBufferSize = 4 << 20;
    private readonly IBlobStore _blobs;

    public ChecksumWorkload(IBlobStore blobs)
    {
        _blobs = blobs;
    }

    public override string Name => "checksum";

    public override string Description => "SHA-256 of every blob under a prefix.";

    public override ChecksumParameters ReadParameters(JsonFieldReader reader) => new();

    public override async ValueTask<BlobChecksum> ProcessAsync(Item item, ChecksumParameters parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var path = item.Value.ValueKind == JsonValueKind.Object && item.Value.TryGetProperty("path", out var p) ? p.GetString()
            : item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()
            : null;
        if (string.IsNullOrEmpty(path))
        {
            throw new InvalidDataException("The item names no blob: checksum reads a prefix listing (or blob paths given inline).");
        }

        var stream = await _blobs.OpenReadAsync(path, 0, ReadBufferSize, cancellationToken).ConfigureAwait(false)
            ?? throw new FileNotFoundException($"The blob '{path}' no longer exists.");
        await using (stream.ConfigureAwait(false))
        {
            var counting = new CountingStream(stream);
            var hash = await SHA256.HashDataAsync(counting, cancellationToken).ConfigureAwait(false);
            return new BlobChecksum(path, counting.Bytes, Convert.ToHexStringLower(hash));
        }
    }

    public override ChecksumPartial Empty(ChecksumParameters parameters) => new(0, 0);

    public override ChecksumPartial Accumulate(ChecksumPartial shardPartial, BlobChecksum result, ChecksumParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(shardPartial);
        ArgumentNullException.ThrowIfNull(result);
        return new(shardPartial.Blobs + 1, shardPartial.Bytes + result.Size);
    }

    public override ChecksumPartial Combine(ChecksumPartial left, ChecksumPartial right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new(left.Blobs + right.Blobs, left.Bytes + right.Bytes);
    }

    public override ValueTask<ChecksumResult> FinishAsync(ChecksumPartial combined, ChecksumParameters parameters, JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(combined);
        ArgumentNullException.ThrowIfNull(job);
        return ValueTask.FromResult(new ChecksumResult(combined.Blobs, combined.Bytes, JobBlobLayout.ItemsFolder(job.JobId)));
    }

    /// <summary>Counts what the hash reads, so the size reported is the size hashed.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Bytes { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            Bytes += read;
            return read;
        }
    }
}
