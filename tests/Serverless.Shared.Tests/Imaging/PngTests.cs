using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Serverless.Imaging;
using SkiaSharp;

namespace Serverless.Tests.Imaging;

public sealed class PngTests
{
    private const int MaxIdatChunk = 1 << 20;

    public static TheoryData<int, int> Sizes => new()
    {
        { 1, 1 },
        { 1, 6 },
        { 2, 3 },
        { 3, 1 },
        { 7, 4 },
        { 37, 23 },
        { 256, 3 },
    };

    /// <summary>Seeded random RGB bytes: every byte value occurs, so the Sub filter's wrap-around is exercised.</summary>
    private static byte[] RandomPixels(int width, int height, int seed)
    {
        var rgb = new byte[3 * width * height];
        new Random(seed).NextBytes(rgb);
        return rgb;
    }

    private static byte[] Encode(byte[] rgb, int width, int height, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var png = new PngWriter(output, width, height, level))
        {
            for (var y = 0; y < height; y++)
            {
                png.WriteRow(rgb.AsSpan(3 * width * y, 3 * width));
            }

            png.Finish();
        }

        return output.ToArray();
    }

    private static byte[] ReadAll(byte[] png, out int width, out int height)
    {
        using var reader = new PngReader(new MemoryStream(png));
        (width, height) = (reader.Width, reader.Height);
        var rgb = new byte[3 * reader.Width * reader.Height];
        for (var y = 0; y < reader.Height; y++)
        {
            reader.ReadRow().CopyTo(rgb.AsSpan(3 * reader.Width * y));
        }

        return rgb;
    }

    private static void AssertSkiaDecodes(byte[] png, byte[] rgb, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = 3 * ((y * width) + x);
                var expected = new SKColor(rgb[i], rgb[i + 1], rgb[i + 2]);
                var actual = bitmap.GetPixel(x, y);
                if (actual != expected)
                {
                    Assert.Fail($"Pixel ({x}, {y}) is {actual}, expected {expected}.");
                }
            }
        }
    }

    /// <summary>The chunks of a PNG, read by the spec: each one's length, type and CRC-32 over type and data (checked here).</summary>
    private static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var chunks = new List<(string, byte[])>();
        var at = 8;
        while (at < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png[(at + 8)..(at + 8 + length)];
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(Crc32.HashToUInt32(png.AsSpan(at + 4, 4 + length)), crc);
            chunks.Add((type, data));
            at += 12 + length;
        }

        Assert.Equal(png.Length, at);
        return chunks;
    }

    /// <summary>The filter type byte of every row, found by inflating the IDAT payloads directly.</summary>
    private static List<byte> RowFilters(byte[] png, int width, int height)
    {
        var idat = Chunks(png).Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        using var inflate = new ZLibStream(new MemoryStream(idat), CompressionMode.Decompress);
        var filters = new List<byte>();
        var row = new byte[1 + (3 * width)];
        for (var y = 0; y < height; y++)
        {
            inflate.ReadExactly(row);
            filters.Add(row[0]);
        }

        return filters;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void WriteRow_AnySize_SkiaDecodesSameSizeAndExactPixels(int width, int height)
    {
        // Arrange
        var rgb = RandomPixels(width, height, seed: (width * 1000) + height);

        // Act
        var png = Encode(rgb, width, height);

        // Assert
        AssertSkiaDecodes(png, rgb, width, height);
        var chunks = Chunks(png);
        Assert.Equal("IHDR", chunks[0].Type);
        Assert.Equal("IEND", chunks[^1].Type);
        Assert.Equal((width, height, (byte)8, (byte)2, (byte)0), (BinaryPrimitives.ReadInt32BigEndian(chunks[0].Data), BinaryPrimitives.ReadInt32BigEndian(chunks[0].Data.AsSpan(4)), chunks[0].Data[8], chunks[0].Data[9], chunks[0].Data[12]));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ReadRow_WhatPngWriterWrote_ReturnsEveryRowUnchanged(int width, int height)
    {
        // Arrange
        var rgb = RandomPixels(width, height, seed: width + (7 * height));
        var png = Encode(rgb, width, height, CompressionLevel.Optimal);

        // Act
        var read = ReadAll(png, out var readWidth, out var readHeight);

        // Assert
        Assert.Equal((width, height), (readWidth, readHeight));
        Assert.Equal(rgb, read);
    }

    [Fact]
    public void WriteRow_CompressedDataOverOneMebibyte_SplitsIdatChunksThatBothDecodersRead()
    {
        // Arrange: random pixels barely compress, so 700×600×3 bytes stay well above 1 MiB.
        var (width, height) = (700, 600);
        var rgb = RandomPixels(width, height, seed: 11);

        // Act
        var png = Encode(rgb, width, height);

        // Assert: several IDAT chunks, none above 1 MiB, together above 1 MiB.
        var idat = Chunks(png).Where(c => c.Type == "IDAT").ToList();
        Assert.True(idat.Count >= 2, $"Expected the image data split into several IDAT chunks, found {idat.Count}.");
        Assert.All(idat, c => Assert.InRange(c.Data.Length, 1, MaxIdatChunk));
        Assert.True(idat.Sum(c => c.Data.Length) > MaxIdatChunk);

        // Assert: both decoders read the whole image back.
        AssertSkiaDecodes(png, rgb, width, height);
        Assert.Equal(rgb, ReadAll(png, out _, out _));
    }

    [Fact]
    public void ReadRow_PngEncodedBySkiaWithEveryFilter_ReturnsSkiasPixels()
    {
        // Arrange: an opaque image with gradients and noise, so Skia's encoder picks every non-trivial filter somewhere.
        var (width, height) = (64, 48);
        var random = new Random(5);
        var info = new SKImageInfo(width, height, SKColorType.Rgb888x, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var rgb = new byte[3 * width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var noise = y % 3 == 0 ? random.Next(256) : 0;
                var colour = new SKColor((byte)(4 * x), (byte)((5 * y) + noise), (byte)((x * y) ^ noise));
                bitmap.SetPixel(x, y, colour);
                var i = 3 * ((y * width) + x);
                (rgb[i], rgb[i + 1], rgb[i + 2]) = (colour.Red, colour.Green, colour.Blue);
            }
        }

        using var pixmap = bitmap.PeekPixels();
        using var encoded = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, 6));
        Assert.NotNull(encoded);
        var png = encoded.ToArray();
        var header = Chunks(png)[0].Data;
        Assert.Equal(2, header[9]); // Skia wrote RGB, the only colour type PngReader reads.
        Assert.Superset(new HashSet<byte> { 1, 2, 3, 4 }, RowFilters(png, width, height).ToHashSet()); // Sub, Up, Average and Paeth all occur.

        // Act
        var read = ReadAll(png, out var readWidth, out var readHeight);

        // Assert
        Assert.Equal((width, height), (readWidth, readHeight));
        Assert.Equal(rgb, read);
    }

    [Fact]
    public void ReadRow_AfterTheLastRow_ThrowsInvalidOperation()
    {
        // Arrange
        var png = Encode(RandomPixels(3, 2, seed: 1), 3, 2);
        using var reader = new PngReader(new MemoryStream(png));
        reader.ReadRow();
        reader.ReadRow();

        // Act + Assert
        Assert.Throws<InvalidOperationException>(() => reader.ReadRow());
    }

    [Fact]
    public void Constructor_NotAPng_ThrowsInvalidData()
    {
        // Arrange
        var notPng = Encoding.ASCII.GetBytes("GIF89a, not a PNG at all");

        // Act + Assert
        Assert.Throws<InvalidDataException>(() => new PngReader(new MemoryStream(notPng)));
    }

    [Fact]
    public void Finish_RowsMissing_ThrowsNamingHowManyAndWritesNoEnd()
    {
        // Arrange
        using var output = new MemoryStream();
        using var png = new PngWriter(output, 4, 5);
        png.WriteRow(new byte[12]);
        png.WriteRow(new byte[12]);

        // Act
        var error = Assert.Throws<InvalidOperationException>(png.Finish);

        // Assert
        Assert.Contains("3 rows", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("IEND", Encoding.ASCII.GetString(output.ToArray()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(4)]
    public void WriteRow_WrongLength_ThrowsArgumentNamingBothLengths(int length)
    {
        // Arrange
        using var png = new PngWriter(new MemoryStream(), 4, 2);

        // Act
        var error = Assert.Throws<ArgumentException>(() => png.WriteRow(new byte[length]));

        // Assert
        Assert.Contains("12", error.Message, StringComparison.Ordinal);
        Assert.Contains(length.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRow_MoreRowsThanTheHeight_ThrowsInvalidOperation()
    {
        // Arrange
        using var png = new PngWriter(new MemoryStream(), 2, 1);
        png.WriteRow(new byte[6]);

        // Act + Assert
        Assert.Throws<InvalidOperationException>(() => png.WriteRow(new byte[6]));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(-3, 4)]
    public void Constructor_NonPositiveSize_ThrowsArgumentOutOfRange(int width, int height)
    {
        // Act + Assert
        Assert.Throws<ArgumentOutOfRangeException>(() => new PngWriter(new MemoryStream(), width, height));
    }
}
