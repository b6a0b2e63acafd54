using System.Buffers;
using System.Text.Json;
using Serverless.Jobs;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Items;

/// <summary>
/// Streams a shard's per-item results into its two JSONL files as they come (a file is created on its first
/// line), counting items and bytes: <c>{"source", "result"}</c> per succeeded item, <c>{"source", "item",
/// "error"}</c> per failed one.
/// </summary>
public sealed class ItemFileSink : IItemResultSink, IAsyncDisposable
{
    private readonly Output _succeeded;
    private readonly Output _failed;

    public ItemFileSink(IBlobStore blobs, string jobId, int shard, int redrive)
    {
        _succeeded = new Output(blobs, JobBlobLayout.ItemFile(jobId, ItemFileKind.Succeeded, shard, redrive), ItemFileKind.Succeeded);
        _failed = new Output(blobs, JobBlobLayout.ItemFile(jobId, ItemFileKind.Failed, shard, redrive), ItemFileKind.Failed);
    }

    public long Succeeded => _succeeded.Items;

    public long Failed => _failed.Items;

    public ValueTask SucceededAsync(ItemSource source, JsonElement result) =>
        _succeeded.WriteAsync(writer =>
        {
            WriteSource(writer, source);
            writer.WritePropertyName("result");
            result.WriteTo(writer);
        });

    public ValueTask FailedAsync(ItemSource source, JsonElement? value, string reason) =>
        _failed.WriteAsync(writer =>
        {
            WriteSource(writer, source);
            if (value is { } item)
            {
                writer.WritePropertyName("item");
                item.WriteTo(writer);
            }

            writer.WriteString("error", reason);
        });

    /// <summary>Closes the files (committing them) and lists those that were written.</summary>
    public async Task<IReadOnlyList<ItemFile>> CompleteAsync()
    {
        var files = new List<ItemFile>();
        foreach (var output in new[] { _succeeded, _failed })
        {
            if (await output.CloseAsync().ConfigureAwait(false) is { } file)
            {
                files.Add(file);
            }
        }

        return files;
    }

    public async ValueTask DisposeAsync()
    {
        await _succeeded.DisposeAsync().ConfigureAwait(false);
        await _failed.DisposeAsync().ConfigureAwait(false);
    }

    private static void WriteSource(Utf8JsonWriter writer, ItemSource source)
    {
        writer.WritePropertyName("source");
        JsonSerializer.Serialize(writer, source, JobJson.Options);
    }

    /// <summary>
    /// One JSONL file. Lines are gathered in memory and written a megabyte at a time: flushing the blob stream
    /// per line would upload (and commit) a block per item.
    /// </summary>
    private sealed class Output(IBlobStore blobs, string path, ItemFileKind kind) : IAsyncDisposable
    {
        private const int WriteThreshold = 1 << 20;
        private readonly ArrayBufferWriter<byte> _buffer = new();
        private Utf8JsonWriter? _writer;
        private Stream? _stream;

        public long Items { get; private set; }

        private long Bytes { get; set; }

        public async ValueTask WriteAsync(Action<Utf8JsonWriter> writeFields)
        {
            _stream ??= await blobs.OpenWriteAsync(path).ConfigureAwait(false);
            _writer ??= new Utf8JsonWriter(_buffer);
            _writer.WriteStartObject();
            writeFields(_writer);
            _writer.WriteEndObject();
            _writer.Flush();
            _writer.Reset();
            _buffer.Write("\n"u8);
            Items++;
            if (_buffer.WrittenCount >= WriteThreshold)
            {
                await DrainAsync().ConfigureAwait(false);
            }
        }

        public async Task<ItemFile?> CloseAsync()
        {
            if (_stream is null)
            {
                return null;
            }

            await DrainAsync().ConfigureAwait(false);
            await DisposeAsync().ConfigureAwait(false);
            return new ItemFile(path, kind, Items, Bytes);
        }

        public async ValueTask DisposeAsync()
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }

            if (_stream is not null)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
                _stream = null;
            }
        }

        private async Task DrainAsync()
        {
            await _stream!.WriteAsync(_buffer.WrittenMemory).ConfigureAwait(false);
            Bytes += _buffer.WrittenCount;
            _buffer.Clear();
        }
    }
}
