using System.Globalization;
using System.Text.Json;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;
using Serverless.Workloads.Mandelbrot;
using SkiaSharp;

namespace Serverless.Tests.Workloads;

public sealed class MandelbrotTests
{
    private const int MaxIterations = 50;
    private static readonly MandelbrotView SmallView = new(37, 23, -0.6, 0.15, 3.2, MaxIterations);
    private readonly InMemoryBlobStore _blobs = new();
    private readonly MandelbrotWorkload _workload;

    public MandelbrotTests()
    {
        _workload = new MandelbrotWorkload(_blobs);
    }

    public static TheoryData<int, int> TilingCases => new()
    {
        { 1, 1 },
        { 2, 1 },
        { 2, 2 },
        { 23, 5 },
        { 23, 23 },
        { 48, 4 },
        { 100, 7 },
        { 1_000, 999 },
        { 1_000, 3 },
        { 32_768, 1 },
        { 32_768, 7 },
        { 32_768, 32_768 },
        { 30_001, 9_999 },
    };

    private static Dictionary<string, JsonElement> Parameters(MandelbrotView view) =>
        new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["width"] = JsonSerializer.SerializeToElement(view.Width),
            ["height"] = JsonSerializer.SerializeToElement(view.Height),
            ["centerX"] = JsonSerializer.SerializeToElement(view.CenterX),
            ["centerY"] = JsonSerializer.SerializeToElement(view.CenterY),
            ["scale"] = JsonSerializer.SerializeToElement(view.Scale),
            ["maxIterations"] = JsonSerializer.SerializeToElement(view.MaxIterations),
        };

    private static IReadOnlyDictionary<string, JsonElement> Fields(string json) =>
        JsonFieldReader.Properties(JsonDocument.Parse(json).RootElement);

    private static (byte R, byte G, byte B) PaletteColour(uint count, int maxIterations)
    {
        var rgb = new byte[3];
        MandelbrotPalette.Colour(count, maxIterations, rgb);
        return (rgb[0], rgb[1], rgb[2]);
    }

    private static SKBitmap Decode(BinaryData png) =>
        SKBitmap.Decode(png.ToArray()) ?? throw new InvalidDataException("Skia could not decode the PNG.");

    /// <summary>Writes the GPU stage's output for <paramref name="view"/> (from the reference loop) and returns its counts.</summary>
    private async Task<uint[]> GivenStageOutputAsync(string jobId, MandelbrotView view)
    {
        var counts = MandelbrotReference.Counts(view);
        await _blobs.WriteAsync(JobBlobLayout.GpuOutput(jobId), BinaryData.FromBytes(MandelbrotReference.Blob(view, counts)));
        return counts;
    }

    private async Task<MandelbrotPartial> RunShardsAsync(string jobId, MandelbrotView view, int shards, params int[] skip)
    {
        MandelbrotPartial? combined = null;
        for (var i = 0; i < shards; i++)
        {
            if (skip.Contains(i))
            {
                continue;
            }

            var tile = _workload.Plan(view, new ShardPosition(i, shards, 0, JobId: jobId));
            var partial = await _workload.RunAsync(tile, CancellationToken.None);
            combined = combined is null ? partial : _workload.Combine(combined, partial);
        }

        return combined!;
    }

    private static void AssertPixelsAreColoursOf(SKBitmap bitmap, MandelbrotView view, uint[] counts, int step = 1)
    {
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                var expected = PaletteColour(counts[(y * step * view.Width) + (x * step)], view.MaxIterations);
                if ((pixel.Red, pixel.Green, pixel.Blue) != expected)
                {
                    Assert.Fail($"Pixel ({x}, {y}) is {pixel}, expected the colour of count {counts[(y * step * view.Width) + (x * step)]}: {expected}.");
                }
            }
        }
    }

    [Theory]
    [InlineData(0.0, 0.0, 100, 100)] // z stays 0
    [InlineData(1.0, 0.0, 100, 2)] // z1 = 1, z2 = 2 (|z|² = 4, not above), z3 = 5 escapes on the third step
    [InlineData(2.0, 0.0, 100, 1)] // z1 = 2 (on the circle), z2 = 6
    [InlineData(-2.0, 0.0, 100, 100)] // z1 = -2, then 2 forever: on the boundary, never above it
    [InlineData(0.5, 0.0, 100, 4)] // 0.5, 0.75, 1.0625, 1.62890625, then 3.1533… escapes on the fifth step
    [InlineData(0.5, 0.0, 4, 4)] // …which a limit of 4 steps never reaches
    [InlineData(0.5, 0.0, 5, 4)]
    [InlineData(0.0, 1.0, 100, 100)] // i, -1 + i, -i, -1 + i, …: a 2-cycle
    [InlineData(-1.0, 0.0, 100, 100)] // 0, -1, 0, -1, …
    [InlineData(0.0, 2.0, 100, 1)] // 2i (on the circle), then -4 + 2i
    [InlineData(3.0, 0.0, 100, 0)] // z1 = 3 escapes at once
    public void EscapeCount_HandComputedPoint_ReturnsStepsBeforeEscape(double cr, double ci, int maxIterations, int expected)
    {
        // Act
        var count = MandelbrotMath.EscapeCount(cr, ci, maxIterations);

        // Assert
        Assert.Equal(expected, count);
    }

    [Fact]
    public void EscapeCount_EveryPixelOfAView_MatchesTheReferenceLoop()
    {
        // Arrange
        var view = new MandelbrotView(61, 41, -0.75, 0.05, 3, 200);
        var expected = MandelbrotReference.Counts(view);

        // Act
        var counts = new uint[view.Width * view.Height];
        for (var y = 0; y < view.Height; y++)
        {
            for (var x = 0; x < view.Width; x++)
            {
                counts[(y * view.Width) + x] = (uint)MandelbrotMath.EscapeCount(
                    MandelbrotMath.Real(x, view.Width, view.CenterX, view.Step),
                    MandelbrotMath.Imaginary(y, view.Height, view.CenterY, view.Step),
                    view.MaxIterations);
            }
        }

        // Assert: equal, and the view is not trivial (inside points and many escape speeds).
        Assert.Equal(expected, counts);
        Assert.Contains(expected, c => c == view.MaxIterations);
        Assert.True(expected.Distinct().Count() > 20);
    }

    [Fact]
    public void RealAndImaginary_SmallView_MatchTheFormulaWithTheImaginaryAxisUp()
    {
        // Arrange: 4×2 pixels, 2 wide, centred on (-0.5, 0.25): each pixel is 0.5 wide.
        var view = new MandelbrotView(4, 2, -0.5, 0.25, 2, 10);

        // Act
        var real = Enumerable.Range(0, 4).Select(x => MandelbrotMath.Real(x, view.Width, view.CenterX, view.Step)).ToList();
        var imaginary = Enumerable.Range(0, 2).Select(y => MandelbrotMath.Imaginary(y, view.Height, view.CenterY, view.Step)).ToList();

        // Assert: pixel centres, by hand: Re = -0.5 + (x + 0.5 - 2)·0.5, Im = 0.25 - (y + 0.5 - 1)·0.5.
        Assert.Equal(0.5, view.Step);
        Assert.Equal([-1.25, -0.75, -0.25, 0.25], real);
        Assert.Equal([0.5, 0.0], imaginary);
    }

    [Theory]
    [InlineData(37, 23, -0.6, 0.15, 3.2)]
    [InlineData(1, 1, 0.3, -0.2, 1)]
    [InlineData(1024, 768, -0.743643887, 0.131825904, 1e-6)]
    [InlineData(5, 9, 0, 0, 16)]
    public void RealAndImaginary_AnyView_MatchTheFormulaAndRowZeroIsTheTop(int width, int height, double centerX, double centerY, double scale)
    {
        // Arrange
        var view = new MandelbrotView(width, height, centerX, centerY, scale, 10);
        var tolerance = scale * 1e-12;

        // Act + Assert
        for (var x = 0; x < width; x++)
        {
            var expected = centerX + ((x + 0.5 - (width / 2.0)) * scale / width);
            Assert.Equal(expected, MandelbrotMath.Real(x, width, centerX, view.Step), tolerance);
        }

        for (var y = 0; y < height; y++)
        {
            var expected = centerY - ((y + 0.5 - (height / 2.0)) * scale / width);
            Assert.Equal(expected, MandelbrotMath.Imaginary(y, height, centerY, view.Step), tolerance);
            if (y > 0)
            {
                Assert.True(MandelbrotMath.Imaginary(y, height, centerY, view.Step) < MandelbrotMath.Imaginary(y - 1, height, centerY, view.Step), $"Row {y} is not below row {y - 1}.");
            }
        }

        // The image is centred: the outermost pixel centres sit symmetrically about the centre.
        Assert.Equal(centerX, (MandelbrotMath.Real(0, width, centerX, view.Step) + MandelbrotMath.Real(width - 1, width, centerX, view.Step)) / 2, tolerance);
        Assert.Equal(centerY, (MandelbrotMath.Imaginary(0, height, centerY, view.Step) + MandelbrotMath.Imaginary(height - 1, height, centerY, view.Step)) / 2, tolerance);
    }

    [Theory]
    [MemberData(nameof(TilingCases))]
    public void TileRows_EveryTile_PartitionsTheRowsWithoutGapsOverlapsOrEmptyTiles(int height, int tiles)
    {
        // Arrange
        var view = new MandelbrotView(8, height, 0, 0, 1, 10);

        // Act
        var rows = Enumerable.Range(0, tiles).Select(i => view.TileRows(i, tiles)).ToList();

        // Assert
        Assert.Equal(0, rows[0].Start);
        Assert.Equal(height, rows[^1].End);
        for (var i = 0; i < tiles; i++)
        {
            Assert.True(rows[i].End > rows[i].Start, $"Tile {i} is empty or inverted: [{rows[i].Start}, {rows[i].End}).");
            if (i > 0)
            {
                Assert.Equal(rows[i - 1].End, rows[i].Start);
            }
        }

        var sizes = rows.Select(r => r.End - r.Start).ToList();
        Assert.Equal(height, sizes.Sum());
        Assert.True(sizes.Max() - sizes.Min() <= 1, $"Tile sizes range from {sizes.Min()} to {sizes.Max()}.");
    }

    [Fact]
    public void LengthAndRowOffset_AnyView_FollowTheDocumentedLayout()
    {
        // Arrange
        var view = new MandelbrotView(37, 23, 0, 0, 1, 10);

        // Act + Assert: 32 header bytes, then 4 bytes per pixel, row-major.
        Assert.Equal(32 + (4 * 37 * 23), EscapeCounts.Length(view));
        Assert.Equal(32, EscapeCounts.RowOffset(view, 0));
        Assert.Equal(32 + (4 * 37 * 5), EscapeCounts.RowOffset(view, 5));
        Assert.Equal(32 + (4L * 32_768 * 32_767), EscapeCounts.RowOffset(new MandelbrotView(32_768, 32_768, 0, 0, 1, 1), 32_767));
    }

    [Fact]
    public void WriteHeader_AnyView_WritesTheDocumentedBytes()
    {
        // Arrange
        var view = new MandelbrotView(37, 23, 0, 0, 1, 4321);
        var header = new byte[40];
        Array.Fill(header, (byte)0xAA);

        // Act
        EscapeCounts.WriteHeader(header, view);

        // Assert: "MBEC", version 1, width, height, maxIterations, zeros to byte 32; nothing after it touched.
        Assert.Equal(MandelbrotReference.Header(37, 23, 4321), header[..32]);
        Assert.All(header[32..], b => Assert.Equal(0xAA, b));
    }

    [Fact]
    public void Check_RightHeaderAndLength_ReturnsNull()
    {
        // Arrange
        var view = new MandelbrotView(37, 23, 0, 0, 1, 500);

        // Act
        var problem = EscapeCounts.Check(MandelbrotReference.Header(37, 23, 500), 32 + (4 * 37 * 23), view);

        // Assert
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("MBEX", 1, 37, 23, 500, 3436, "MBEC")]
    [InlineData("\0\0\0\0", 1, 37, 23, 500, 3436, "MBEC")]
    [InlineData("MBEC", 2, 37, 23, 500, 3436, "version is 2")]
    [InlineData("MBEC", 1, 23, 37, 500, 3436, "23x37")]
    [InlineData("MBEC", 1, 37, 22, 500, 3288, "37x22")]
    [InlineData("MBEC", 1, 37, 23, 400, 3436, "400 iterations")]
    [InlineData("MBEC", 1, 37, 23, 500, 3432, "3432 bytes")]
    [InlineData("MBEC", 1, 37, 23, 500, 3440, "3440 bytes")]
    [InlineData("MBEC", 1, 37, 23, 500, 32, "32 bytes")]
    public void Check_WrongBlob_SaysWhatIsWrong(string magic, uint version, int width, int height, int maxIterations, long length, string expected)
    {
        // Arrange: the job expects 37×23 at 500 iterations, 32 + 4·851 = 3436 bytes.
        var view = new MandelbrotView(37, 23, 0, 0, 1, 500);

        // Act
        var problem = EscapeCounts.Check(MandelbrotReference.Header(width, height, maxIterations, magic, version), length, view);

        // Assert
        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_HeaderShorterThan32Bytes_ReturnsAProblem()
    {
        // Arrange
        var view = new MandelbrotView(2, 2, 0, 0, 1, 5);

        // Act
        var problem = EscapeCounts.Check(MandelbrotReference.Header(2, 2, 5).AsSpan(0, 20), 20, view);

        // Assert
        Assert.NotNull(problem);
    }

    [Fact]
    public void ReadParameters_NoFields_UsesTheDefaults()
    {
        // Arrange
        var errors = new ValidationErrors();

        // Act
        var view = _workload.ReadParameters(new JsonFieldReader(Fields("{}"), "parameters.", errors), shards: 4);

        // Assert
        Assert.True(errors.IsEmpty, errors.ToString());
        Assert.Equal(new MandelbrotView(1024, 1024, -0.75, 0, 3, 1000), view);
    }

    [Fact]
    public void ReadParameters_AllFields_ReadsEach()
    {
        // Arrange
        var errors = new ValidationErrors();

        // Act
        var view = _workload.ReadParameters(
            new JsonFieldReader(Fields("""{ "width": 640, "height": 480, "centerX": -0.5, "centerY": 0.6, "scale": 0.25, "maxIterations": 5000 }"""), "parameters.", errors),
            shards: 480);

        // Assert
        Assert.True(errors.IsEmpty, errors.ToString());
        Assert.Equal(new MandelbrotView(640, 480, -0.5, 0.6, 0.25, 5000), view);
    }

    [Theory]
    [InlineData("""{ "height": 10 }""", 11, "shards")]
    [InlineData("""{ "width": 32768, "height": 32768 }""", 1, "parameters.width")]
    [InlineData("""{ "width": 0 }""", 1, "parameters.width")]
    [InlineData("""{ "width": 32769 }""", 1, "parameters.width")]
    [InlineData("""{ "height": "tall" }""", 1, "parameters.height")]
    [InlineData("""{ "scale": 0 }""", 1, "parameters.scale")]
    [InlineData("""{ "centerX": 5 }""", 1, "parameters.centerX")]
    [InlineData("""{ "maxIterations": 1000001 }""", 1, "parameters.maxIterations")]
    [InlineData("""{ "zoom": 2 }""", 1, "parameters.zoom")]
    public void Validate_BadField_NamesOnlyThatField(string json, int shards, string field)
    {
        // Arrange
        var errors = new ValidationErrors();

        // Act
        _workload.Validate(Fields(json), shards, errors);

        // Assert
        Assert.Equal([field], errors.ToDictionary().Keys);
    }

    [Fact]
    public void Validate_TooManyPixels_SaysTheLimitAndTheProduct()
    {
        // Arrange: 32768 × 32768 is 2^30 pixels, twice the limit.
        var errors = new ValidationErrors();

        // Act
        _workload.Validate(Fields("""{ "width": 32768, "height": 32768 }"""), 1, errors);

        // Assert
        var message = Assert.Single(errors.ToDictionary()["parameters.width"]);
        Assert.Contains((1L << 29).ToString("N0", CultureInfo.InvariantCulture), message, StringComparison.Ordinal);
        Assert.Contains((1L << 30).ToString("N0", CultureInfo.InvariantCulture), message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32_768, 16_384, 16_384)] // exactly 2^29 pixels
    [InlineData(10, 10, 10)] // one row per shard
    public void Validate_AtTheLimits_HasNoErrors(int width, int height, int shards)
    {
        // Arrange
        var errors = new ValidationErrors();

        // Act
        _workload.Validate(Fields($$"""{ "width": {{width}}, "height": {{height}} }"""), shards, errors);

        // Assert
        Assert.True(errors.IsEmpty, errors.ToString());
    }

    [Fact]
    public void Validate_StripsLargerThanAShardMayHold_AsksForMoreShards()
    {
        // Arrange: 16384 × 16384 is 2^28 pixels; a shard holds at most 2^26, so four strips (plus rounding) are too big.
        var tooFew = new ValidationErrors();
        var enough = new ValidationErrors();

        // Act
        _workload.Validate(Fields("""{ "width": 16384, "height": 16384 }"""), 4, tooFew);
        _workload.Validate(Fields("""{ "width": 16384, "height": 16384 }"""), 5, enough);

        // Assert
        Assert.Equal(["shards"], tooFew.ToDictionary().Keys);
        Assert.Contains("at least 5", tooFew.ToString(), StringComparison.Ordinal);
        Assert.True(enough.IsEmpty, enough.ToString());
    }

    [Fact]
    public void PlanStage_Parameters_NamesTheKernelAndCarriesTheView()
    {
        // Act
        var input = _workload.PlanStage(Parameters(SmallView));

        // Assert
        Assert.Equal("mandelbrot", input.Kernel);
        Assert.Equal(SmallView, input.Parameters.Deserialize<MandelbrotView>(JobJson.Options));
    }

    [Fact]
    public async Task FinishAsync_AllShardsRan_StitchesAnImageWhosePixelsAreThePaletteColoursOfTheCounts()
    {
        // Arrange
        const string jobId = "job-pipeline";
        const int shards = 5;
        var counts = await GivenStageOutputAsync(jobId, SmallView);
        var metrics = new StageMetrics("NVIDIA H100", "Cuda", 1.25, 80.5, 100, EscapeCounts.Length(SmallView));
        await _blobs.WriteAsync(JobBlobLayout.GpuMetrics(jobId), JobJson.Serialize(metrics));
        var combined = await RunShardsAsync(jobId, SmallView, shards);

        // Act
        var result = await _workload.FinishAsync(combined, SmallView, new JobContext(jobId, shards), CancellationToken.None);

        // Assert: the result.
        var inside = counts.LongCount(c => c >= MaxIterations);
        Assert.InRange(inside, 1, counts.Length - 1);
        Assert.Equal(new MandelbrotResult(37, 23, $"results/{jobId}/mandelbrot.png", $"results/{jobId}/preview.png", inside, metrics), result);
        Assert.Equal(shards, combined.Tiles);

        // Assert: every pixel of the image is its count's colour; inside points are black.
        using var image = Decode(_blobs.Get(result.Image));
        Assert.Equal((37, 23), (image.Width, image.Height));
        AssertPixelsAreColoursOf(image, SmallView, counts);
        Assert.Equal((byte)0, image.GetPixel(Array.IndexOf(counts, (uint)MaxIterations) % 37, Array.IndexOf(counts, (uint)MaxIterations) / 37).Red);

        // Assert: a preview exists; an image this small is its own preview.
        using var preview = Decode(_blobs.Get(result.Preview));
        Assert.Equal((37, 23), (preview.Width, preview.Height));
        AssertPixelsAreColoursOf(preview, SmallView, counts);
    }

    [Fact]
    public async Task FinishAsync_ImageWiderThanThePreview_PreviewSamplesEveryNthPixel()
    {
        // Arrange: 1100 wide needs every 3rd pixel to fit 512: the preview is ceil(1100/3) × ceil(31/3).
        const string jobId = "job-preview";
        var view = new MandelbrotView(1100, 31, -0.75, 0, 3, 30);
        var counts = await GivenStageOutputAsync(jobId, view);
        var combined = await RunShardsAsync(jobId, view, 4);

        // Act
        var result = await _workload.FinishAsync(combined, view, new JobContext(jobId, 4), CancellationToken.None);

        // Assert
        using var preview = Decode(_blobs.Get(result.Preview));
        Assert.Equal((367, 11), (preview.Width, preview.Height));
        AssertPixelsAreColoursOf(preview, view, counts, step: 3);
        Assert.Null(result.Gpu);
    }

    [Fact]
    public async Task RunAsync_OneShard_WritesItsTileOfItsRows()
    {
        // Arrange: shard 2 of 5 over 23 rows covers rows 9..13.
        const string jobId = "job-tile";
        var counts = await GivenStageOutputAsync(jobId, SmallView);
        var tile = _workload.Plan(SmallView, new ShardPosition(2, 5, 0, JobId: jobId));

        // Act
        var partial = await _workload.RunAsync(tile, CancellationToken.None);

        // Assert
        Assert.Equal((9, 13), (tile.RowStart, tile.RowEnd));
        var rows = counts[(9 * 37)..(13 * 37)];
        Assert.Equal(new MandelbrotPartial(1, rows.LongCount(c => c >= MaxIterations)), partial);
        using var bitmap = Decode(_blobs.Get($"results/{jobId}/tiles/2.png"));
        Assert.Equal((37, 4), (bitmap.Width, bitmap.Height));
        AssertPixelsAreColoursOf(bitmap, SmallView, rows);
    }

    [Fact]
    public async Task RunAsync_StageOutputShort_ThrowsNamingTheRowsAndTheBlob()
    {
        // Arrange: the last count is missing, so the last tile's rows are short.
        const string jobId = "job-short";
        var blob = MandelbrotReference.Blob(SmallView, MandelbrotReference.Counts(SmallView));
        await _blobs.WriteAsync(JobBlobLayout.GpuOutput(jobId), BinaryData.FromBytes(blob[..^4]));
        var tile = _workload.Plan(SmallView, new ShardPosition(4, 5, 0, JobId: jobId));

        // Act
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _workload.RunAsync(tile, CancellationToken.None).AsTask());

        // Assert
        Assert.Contains("rows 18-22", error.Message, StringComparison.Ordinal);
        Assert.Contains(JobBlobLayout.GpuOutput(jobId), error.Message, StringComparison.Ordinal);
        Assert.False(_blobs.Contains($"results/{jobId}/tiles/4.png"));
    }

    [Fact]
    public async Task FinishAsync_TileMissing_ThrowsNamingTheTile()
    {
        // Arrange: shard 3 of 5 never ran.
        const string jobId = "job-missing-tile";
        await GivenStageOutputAsync(jobId, SmallView);
        var combined = await RunShardsAsync(jobId, SmallView, 5, skip: 3);

        // Act
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _workload.FinishAsync(combined, SmallView, new JobContext(jobId, 5), CancellationToken.None).AsTask());

        // Assert
        Assert.Contains("Tile 3", error.Message, StringComparison.Ordinal);
        Assert.False(_blobs.Contains($"results/{jobId}/preview.png"));
        Assert.False(_blobs.Contains($"results/{jobId}/mandelbrot.png"), "a failed stitch must not leave a truncated image");
    }

    [Fact]
    public async Task CheckStageOutputAsync_GoodBlob_ReturnsNull()
    {
        // Arrange
        const string jobId = "job-check-good";
        await GivenStageOutputAsync(jobId, SmallView);

        // Act
        var problem = await _workload.CheckStageOutputAsync(JobBlobLayout.GpuOutput(jobId), Parameters(SmallView), CancellationToken.None);

        // Assert
        Assert.Null(problem);
    }

    [Fact]
    public async Task CheckStageOutputAsync_NoBlob_SaysItDoesNotExist()
    {
        // Act
        var problem = await _workload.CheckStageOutputAsync(JobBlobLayout.GpuOutput("job-check-none"), Parameters(SmallView), CancellationToken.None);

        // Assert
        Assert.NotNull(problem);
        Assert.Contains("does not exist", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckStageOutputAsync_TruncatedBlob_SaysHowLongItIsAndShouldBe()
    {
        // Arrange
        const string jobId = "job-check-short";
        var blob = MandelbrotReference.Blob(SmallView, MandelbrotReference.Counts(SmallView));
        await _blobs.WriteAsync(JobBlobLayout.GpuOutput(jobId), BinaryData.FromBytes(blob[..^4]));

        // Act
        var problem = await _workload.CheckStageOutputAsync(JobBlobLayout.GpuOutput(jobId), Parameters(SmallView), CancellationToken.None);

        // Assert
        Assert.NotNull(problem);
        Assert.Contains((blob.Length - 4).ToString(CultureInfo.InvariantCulture), problem, StringComparison.Ordinal);
        Assert.Contains(blob.Length.ToString(CultureInfo.InvariantCulture), problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckStageOutputAsync_BlobForAnotherView_SaysWhichViewItHolds()
    {
        // Arrange: the stage rendered 23×37 instead of 37×23 (same size, so only the header tells).
        const string jobId = "job-check-other";
        var other = SmallView with { Width = 23, Height = 37 };
        await GivenStageOutputAsync(jobId, other);

        // Act
        var problem = await _workload.CheckStageOutputAsync(JobBlobLayout.GpuOutput(jobId), Parameters(SmallView), CancellationToken.None);

        // Assert
        Assert.NotNull(problem);
        Assert.Contains("23x37", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1024, 1024, 1)] // the default image: colouring a million pixels is quick
    [InlineData(2048, 2048, 1)]
    [InlineData(4096, 4096, 4)]
    [InlineData(10_000, 10_000, 24)]
    [InlineData(32_768, 16_384, 128)] // the largest image
    public void DefaultShards_ImageSize_GivesStripsOfAboutFourMegapixels(int width, int height, int expected)
    {
        // Act
        var shards = _workload.DefaultShards(Fields($$"""{ "width": {{width}}, "height": {{height}} }"""));

        // Assert
        Assert.Equal(expected, shards);
    }

    [Theory]
    [InlineData(32_768, 16_384)] // needs at least 9 shards for the per-shard cap
    [InlineData(16_384, 32_768)]
    [InlineData(16_384, 16_384)] // needs at least 5
    [InlineData(32_768, 1)] // a single row: never more strips than rows
    [InlineData(32_768, 3)]
    [InlineData(1, 32_768)]
    public void DefaultShards_AnyValidImage_PassesTheShardChecksOfValidate(int width, int height)
    {
        // Arrange
        var parameters = Fields($$"""{ "width": {{width}}, "height": {{height}} }""");
        var errors = new ValidationErrors();

        // Act
        var shards = _workload.DefaultShards(parameters);
        _workload.Validate(parameters, shards, errors);

        // Assert
        Assert.True(errors.IsEmpty, $"{shards} shards: {errors}");
    }
}
