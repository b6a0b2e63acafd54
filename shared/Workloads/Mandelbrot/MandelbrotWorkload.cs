using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Serverless.Imaging;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Storage;

namespace Serverless.Workloads.Mandelbrot;

/// <summary>One horizontal strip of the image: rows [RowStart, RowEnd).</summary>
public sealed record MandelbrotTile(string JobId, int Index, int RowStart, int RowEnd, MandelbrotView View);

public sealed record MandelbrotPartial(int Tiles, long InsidePixels);

/// <summary>The rendered image and its preview (blob paths), what share of it is inside the set, and how the GPU stage ran.</summary>
public sealed record MandelbrotResult(int Width, int Height, string Image, string Preview, long InsidePixels, StageMetrics? Gpu);

/// <summary>
/// Renders the Mandelbrot set. The GPU stage computes every pixel's escape count in one execution
/// (<see cref="MandelbrotMath"/>, <see cref="EscapeCounts"/>); then each shard colours one strip of rows,
/// read with a ranged download, into a PNG tile; finishing stitches the tiles into <c>mandelbrot.png</c> and a
/// preview at most <see cref="PreviewSide"/> pixels on a side.
/// </summary>
public sealed class MandelbrotWorkload : Workload<MandelbrotView, MandelbrotTile, MandelbrotPartial, MandelbrotResult>, IGpuStageWorkload
{
    public const string Kernel = "mandelbrot";
    public const long MaxPixels = 1L << 29;

    /// <summary>A shard holds its strip's counts (4 bytes a pixel) in memory: at most 256 MiB of them.</summary>
    public const long MaxPixelsPerShard = 1L << 26;

    /// <summary>
    /// What a default shard colours: 16 MiB of counts to download and about 0.15 s of colouring and
    /// PNG encoding (some 3 × 10^7 pixels a second on one core); the escape counts come from the GPU stage.
    /// </summary>
    public const long DefaultPixelsPerShard = 1L << 22;

    public const int PreviewSide = 512;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly IBlobStore _blobs;

    public MandelbrotWorkload(IBlobStore blobs)
    {
        _blobs = blobs;
    }

    public override string Name => "mandelbrot";

    public override string Description => "Renders the Mandelbrot set on the GPU stage, then tiles and a preview PNG.";

    public static string ImageBlob(string jobId) => JobBlobLayout.Artifact(jobId, "mandelbrot.png");

    public static string PreviewBlob(string jobId) => JobBlobLayout.Artifact(jobId, "preview.png");

    public static string TileBlob(string jobId, int index) => JobBlobLayout.Artifact(jobId, $"tiles/{index}.png");

    public override MandelbrotView ReadParameters(JsonFieldReader reader, int shards)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var view = new MandelbrotView(
            reader.GetInt32("width", 1, MandelbrotView.MaxSide, defaultValue: 1024),
            reader.GetInt32("height", 1, MandelbrotView.MaxSide, defaultValue: 1024),
            reader.GetDouble("centerX", -4, 4, defaultValue: -0.75),
            reader.GetDouble("centerY", -4, 4, defaultValue: 0),
            reader.GetDouble("scale", 1e-13, 16, defaultValue: 3),
            reader.GetInt32("maxIterations", 1, MandelbrotView.MaxIterationsLimit, defaultValue: 1000));
        if (view.Pixels > MaxPixels)
        {
            reader.Errors.Add(reader.Path("width"), $"width × height must be at most {MaxPixels:N0} pixels (2 GiB of escape counts); {view.Width} × {view.Height} is {view.Pixels:N0}.");
        }

        if (shards > view.Height)
        {
            reader.Errors.Add("shards", $"must be at most the image height ({view.Height}): each shard renders a strip of rows.");
        }
        else if (view.Pixels <= MaxPixels && (view.Pixels / shards) + view.Width > MaxPixelsPerShard)
        {
            var needed = (view.Pixels + MaxPixelsPerShard - view.Width - 1) / (MaxPixelsPerShard - view.Width);
            reader.Errors.Add("shards", $"must be at least {needed} for a {view.Width} × {view.Height} image: a shard colours at most {MaxPixelsPerShard:N0} pixels.");
        }

        return view;
    }

    /// <summary>
    /// Strips of about <see cref="DefaultPixelsPerShard"/> pixels. That passes both shard checks of
    /// <see cref="ReadParameters"/>: such a strip plus a row stays far below <see cref="MaxPixelsPerShard"/>, and a
    /// row (at most <see cref="MandelbrotView.MaxSide"/> pixels) is smaller than a strip, so there are never more strips than rows.
    /// </summary>
    public override int DefaultShards(MandelbrotView parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ShardsFor(parameters.Pixels, DefaultPixelsPerShard);
    }

    public StageInput PlanStage(IReadOnlyDictionary<string, JsonElement> parameters) =>
        new(Kernel, JsonSerializer.SerializeToElement(Read(parameters, shards: 1), Json));

    public async Task<string?> CheckStageOutputAsync(string outputBlob, IReadOnlyDictionary<string, JsonElement> parameters, CancellationToken cancellationToken)
    {
        var view = Read(parameters, shards: 1);
        var size = await _blobs.GetSizeAsync(outputBlob, cancellationToken).ConfigureAwait(false);
        if (size is null)
        {
            return "it does not exist (the stage program wrote no output)";
        }

        var header = await _blobs.ReadRangeAsync(outputBlob, 0, EscapeCounts.HeaderSize, cancellationToken).ConfigureAwait(false);
        return header is null ? "it disappeared while being checked" : EscapeCounts.Check(header.ToMemory().Span, size.Value, view);
    }

    public override MandelbrotTile Plan(MandelbrotView parameters, ShardPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        var (start, end) = parameters.TileRows(position.Index, position.Count);
        return new MandelbrotTile(position.JobId, position.Index, start, end, parameters);
    }

    public override async ValueTask<MandelbrotPartial> RunAsync(MandelbrotTile shard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var view = shard.View;
        var rows = shard.RowEnd - shard.RowStart;
        var length = (long)rows * view.Width * sizeof(uint);
        var counts = await _blobs.ReadRangeAsync(JobBlobLayout.GpuOutput(shard.JobId), EscapeCounts.RowOffset(view, shard.RowStart), length, cancellationToken).ConfigureAwait(false);
        if (counts is null || counts.ToMemory().Length != length)
        {
            throw new InvalidDataException($"The escape counts of rows {shard.RowStart}-{shard.RowEnd - 1} are missing or short in {JobBlobLayout.GpuOutput(shard.JobId)}.");
        }

        var (png, inside) = ColourTile(counts.ToMemory(), view, rows);
        await _blobs.WriteAsync(TileBlob(shard.JobId, shard.Index), png, cancellationToken).ConfigureAwait(false);
        return new MandelbrotPartial(1, inside);
    }

    public override MandelbrotPartial Combine(MandelbrotPartial left, MandelbrotPartial right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new(left.Tiles + right.Tiles, left.InsidePixels + right.InsidePixels);
    }

    public override async ValueTask<MandelbrotResult> FinishAsync(MandelbrotPartial combined, MandelbrotView parameters, JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(combined);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(job);
        await StitchAsync(parameters, job, cancellationToken).ConfigureAwait(false);
        var metrics = await _blobs.ReadAsync(JobBlobLayout.GpuMetrics(job.JobId), cancellationToken).ConfigureAwait(false);
        return new MandelbrotResult(
            parameters.Width,
            parameters.Height,
            ImageBlob(job.JobId),
            PreviewBlob(job.JobId),
            combined.InsidePixels,
            metrics is null ? null : JobJson.Deserialize<StageMetrics>(metrics));
    }

    /// <summary>Colours one strip's counts and encodes it as a PNG; also counts the pixels inside the set.</summary>
    public static (BinaryData Png, long Inside) ColourTile(ReadOnlyMemory<byte> counts, MandelbrotView view, int rows)
    {
        ArgumentNullException.ThrowIfNull(view);
        long inside = 0;
        var rgb = new byte[3 * view.Width];
        using var output = new MemoryStream();
        using (var png = new PngWriter(output, view.Width, rows))
        {
            for (var y = 0; y < rows; y++)
            {
                var row = counts.Span.Slice(y * view.Width * sizeof(uint), view.Width * sizeof(uint));
                for (var x = 0; x < view.Width; x++)
                {
                    var count = BinaryPrimitives.ReadUInt32LittleEndian(row[(x * sizeof(uint))..]);
                    inside += count >= (uint)view.MaxIterations ? 1 : 0;
                    MandelbrotPalette.Colour(count, view.MaxIterations, rgb.AsSpan(3 * x));
                }

                png.WriteRow(rgb);
            }

            png.Finish();
        }

        return (BinaryData.FromBytes(output.ToArray()), inside);
    }

    /// <summary>Streams every tile, in order, into the full image and a nearest-neighbour preview.</summary>
    private async Task StitchAsync(MandelbrotView view, JobContext job, CancellationToken cancellationToken)
    {
        // Every tile must exist before the image blob is opened: a failed stitch must not leave a truncated PNG.
        for (var index = 0; index < job.Shards; index++)
        {
            if (await _blobs.GetSizeAsync(TileBlob(job.JobId, index), cancellationToken).ConfigureAwait(false) is null)
            {
                var (start, end) = view.TileRows(index, job.Shards);
                throw new InvalidDataException($"Tile {index} (rows {start}-{end - 1}) is missing: its shard did not succeed, so the image cannot be stitched.");
            }
        }

        var step = (int)Math.Ceiling(Math.Max(view.Width, view.Height) / (double)PreviewSide);
        var (previewWidth, previewHeight) = ((view.Width + step - 1) / step, (view.Height + step - 1) / step);
        using var previewBytes = new MemoryStream();
        var previewRow = new byte[3 * previewWidth];
        var imageStream = await _blobs.OpenWriteAsync(ImageBlob(job.JobId), cancellationToken).ConfigureAwait(false);
        await using (imageStream.ConfigureAwait(false))
        {
            using var image = new PngWriter(imageStream, view.Width, view.Height);
            using var preview = new PngWriter(previewBytes, previewWidth, previewHeight, CompressionLevel.Optimal);
            for (var index = 0; index < job.Shards; index++)
            {
                var (start, end) = view.TileRows(index, job.Shards);
                var tile = await _blobs.ReadAsync(TileBlob(job.JobId, index), cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"Tile {index} disappeared while the image was stitched.");
                using var reader = new PngReader(tile.ToStream());
                for (var y = start; y < end; y++)
                {
                    var row = reader.ReadRow();
                    image.WriteRow(row);
                    if (y % step == 0)
                    {
                        for (var x = 0; x < previewWidth; x++)
                        {
                            row.Slice(3 * x * step, 3).CopyTo(previewRow.AsSpan(3 * x));
                        }

                        preview.WriteRow(previewRow);
                    }
                }
            }

            image.Finish();
            preview.Finish();
        }

        await _blobs.WriteAsync(PreviewBlob(job.JobId), BinaryData.FromBytes(previewBytes.ToArray()), cancellationToken).ConfigureAwait(false);
    }
}
