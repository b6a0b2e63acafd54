using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Serverless.Jobs;
using Serverless.Local.Stages;
using Serverless.Local.Tests.Fixtures;
using Serverless.Stages;
using Serverless.Workloads.Mandelbrot;
using SkiaSharp;

namespace Serverless.Local.Tests.Stages;

/// <summary>
/// The mandelbrot workload's GPU stage through the local host: the stage program (or a stand-in) runs as a
/// child process, reports over the real callback route or is found by polling, and its blobs are checked
/// against a reference computed here. These tests start processes, so they assume Linux.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GpuStageTests
{
    private const int Width = 1024;
    private const int Height = 1024;
    private const int MaxIterations = 200;

    /// <summary>What /proc/{pid}/cmdline holds for <see cref="Sleep"/>.</summary>
    private const string SleepCommandLine = "/bin/sleep\0600\0";

    /// <summary>The whole set; symmetric about the real axis, so <see cref="OffAxis"/> also checks which way the rows run.</summary>
    private static readonly MandelbrotView Whole = new(Width, Height, CenterX: -0.75, CenterY: 0, Scale: 3, MaxIterations);
    private static readonly MandelbrotView OffAxis = new(64, 48, CenterX: -0.5, CenterY: 0.6, Scale: 1.2, MaxIterations);
    private static readonly string[] AcceleratorTypes = ["CPU", "Cuda", "OpenCL"];
    private static readonly string StageProgram = Path.Combine(AppContext.BaseDirectory, "Serverless.GpuStage.dll");
    private static readonly LocalStageCommand Sleep = new("/bin/sleep", ["600"]);
    private readonly AzuriteFixture _azurite;

    public GpuStageTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    [Fact]
    public void StageProgram_IsBuiltBesideTheTests()
    {
        // LocalStageCommand.Default runs "dotnet <AppContext.BaseDirectory>/Serverless.GpuStage.dll".
        Assert.True(File.Exists(StageProgram), $"{StageProgram} is missing: local/ must reference jobs/gpu-stage.");
        Assert.True(File.Exists(Path.ChangeExtension(StageProgram, ".runtimeconfig.json")), "The stage program's runtimeconfig.json is missing, so 'dotnet' cannot run it.");
        Assert.Equal(["dotnet", StageProgram], [LocalStageCommand.Default.FileName, .. LocalStageCommand.Default.Arguments]);
    }

    [Fact]
    public async Task Mandelbrot_EndToEnd_CountsMatchReferenceAndImagesDecode()
    {
        await using var host = await TestHost.StartAsync(_azurite);
        var job = await host.SubmitAsync(Spec(Whole));

        var status = await host.WaitAsync(job.Id);

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var expected = ReferenceCounts(Whole);
        AssertCounts(expected, Whole, await host.ReadBlobBytesAsync($"results/{job.Id}/gpu/output.bin"));

        // The full image, decoded by Skia, pixel for pixel (the off-axis test also checks which way rows run).
        using var image = Decode(await host.ReadBlobBytesAsync($"results/{job.Id}/mandelbrot.png"));
        AssertImage(expected, Whole, image);

        // The preview: 1024 needs halving to fit 512, and it samples the full image's even rows and columns.
        using var preview = Decode(await host.ReadBlobBytesAsync($"results/{job.Id}/preview.png"));
        Assert.Equal((Width / 2, Height / 2), (preview.Width, preview.Height));
        var wrong = new List<string>();
        for (var y = 0; y < preview.Height; y++)
        {
            for (var x = 0; x < preview.Width; x++)
            {
                if (preview.GetPixel(x, y) != image.GetPixel(2 * x, 2 * y))
                {
                    wrong.Add(string.Create(CultureInfo.InvariantCulture, $"preview ({x},{y}) is {preview.GetPixel(x, y)}, image ({2 * x},{2 * y}) is {image.GetPixel(2 * x, 2 * y)}"));
                }
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} preview pixels are wrong; first: {string.Join("; ", wrong.Take(10))}");

        // Metrics name the accelerator the log says ran the kernel, and the result carries them.
        var metrics = await host.ReadBlobAsync<StageMetrics>($"results/{job.Id}/gpu/metrics.json");
        Assert.Contains(metrics.AcceleratorType, AcceleratorTypes);
        if (!File.Exists("/dev/nvidiactl"))
        {
            Assert.Equal("CPU", metrics.AcceleratorType);
        }

        Assert.False(string.IsNullOrWhiteSpace(metrics.Accelerator));
        Assert.Equal(32 + (4L * Width * Height), metrics.BytesOut);
        Assert.InRange(metrics.KernelMilliseconds, double.Epsilon, metrics.TotalMilliseconds);
        var log = (await host.ReadBlobBytesAsync($"results/{job.Id}/gpu/log.txt")).ToString();
        Assert.Contains($"Running on {metrics.AcceleratorType} '{metrics.Accelerator}'", log, StringComparison.Ordinal);
        Assert.Contains("Callback answered 202", log, StringComparison.Ordinal);
        Assert.Contains("exited with code 0]", log, StringComparison.Ordinal);

        var result = JsonDocument.Parse(await host.Http.GetStringAsync(job.ResultGetUri)).RootElement.GetProperty("result");
        Assert.Equal(Width, result.GetProperty("width").GetInt32());
        Assert.Equal(Height, result.GetProperty("height").GetInt32());
        Assert.Equal($"results/{job.Id}/mandelbrot.png", result.GetProperty("image").GetString());
        Assert.Equal($"results/{job.Id}/preview.png", result.GetProperty("preview").GetString());
        Assert.Equal(expected.LongCount(c => c == MaxIterations), result.GetProperty("insidePixels").GetInt64());
        Assert.Equal(metrics, result.GetProperty("gpu").Deserialize<StageMetrics>(JobJson.Options));

        // The cost's GPU seconds are the stage program's run, as its metrics say.
        var manifest = await host.ReadBlobAsync<JobManifest>($"results/{job.Id}/manifest.json");
        Assert.Equal(Math.Round(metrics.TotalMilliseconds / 1000, 3), manifest.Cost!.GpuSeconds);
    }

    [Fact]
    public async Task StageProgramCrashes_JobFailsWithExitCodeAndLogPath_LogAndInputKept()
    {
        var crash = new LocalStageCommand("/bin/sh", ["-c", "echo boom-from-stage >&2; exit 3"]);
        await using var host = await TestHost.StartAsync(_azurite, stageCommand: crash);
        var job = await host.SubmitAsync(Small);

        var status = await host.WaitAsync(job.Id, TimeSpan.FromSeconds(30));

        Assert.Equal("Failed", status.GetProperty("runtimeStatus").GetString());
        var error = status.GetProperty("error").GetString();
        Assert.Contains("exited with code 3", error, StringComparison.Ordinal);
        Assert.Contains($"results/{job.Id}/gpu/log.txt", error, StringComparison.Ordinal);
        var log = (await host.ReadBlobBytesAsync($"results/{job.Id}/gpu/log.txt")).ToString();
        Assert.Contains("boom-from-stage", log, StringComparison.Ordinal);
        Assert.Contains("exited with code 3]", log, StringComparison.Ordinal);
        var input = await host.ReadBlobAsync<StageInput>($"results/{job.Id}/gpu/input.json");
        Assert.Equal(MandelbrotWorkload.Kernel, input.Kernel);
        Assert.Equal(64, input.Parameters.GetProperty("width").GetInt32());
        Assert.False(await host.BlobExistsAsync($"results/{job.Id}/mandelbrot.png"));
    }

    [Fact]
    public async Task NoCallback_JobFoundDoneByPolling_Completes()
    {
        var silent = new LocalStageCommand("/usr/bin/env", ["-u", StageEnvironment.CallbackUrl, "dotnet", StageProgram]);
        await using var host = await TestHost.StartAsync(_azurite, gpuPollSeconds: 1, stageCommand: silent);
        var job = await host.SubmitAsync(Spec(OffAxis));

        var status = await host.WaitAsync(job.Id, TimeSpan.FromSeconds(60));

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        var log = (await host.ReadBlobBytesAsync($"results/{job.Id}/gpu/log.txt")).ToString();
        Assert.Contains("No callback URL", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Callback answered", log, StringComparison.Ordinal);
        var expected = ReferenceCounts(OffAxis);
        AssertCounts(expected, OffAxis, await host.ReadBlobBytesAsync($"results/{job.Id}/gpu/output.bin"));
        using var image = Decode(await host.ReadBlobBytesAsync($"results/{job.Id}/mandelbrot.png"));
        AssertImage(expected, OffAxis, image);
    }

    [Fact]
    public async Task StageNeverFinishes_JobFailsAtDeadline_ProcessKilled()
    {
        await using var host = await TestHost.StartAsync(_azurite, gpuPollSeconds: 1, gpuTimeoutSeconds: 4, stageCommand: Sleep);
        var job = await host.SubmitAsync(Small);
        var pid = await WaitForStagePidAsync(host, job.Id);
        Assert.Equal(SleepCommandLine, CommandLineOf(pid));

        var status = await host.WaitAsync(job.Id, TimeSpan.FromSeconds(30));

        Assert.Equal("Failed", status.GetProperty("runtimeStatus").GetString());
        var error = status.GetProperty("error").GetString();
        Assert.Contains("did not finish within", error, StringComparison.Ordinal);
        Assert.Contains($"results/{job.Id}/gpu/log.txt", error, StringComparison.Ordinal);
        await AssertSleepEndsAsync(pid);
    }

    [Fact]
    public async Task Callback_OverHttp_RejectsUnknownJobMissingOrWrongSecretAndBadBody_ThenTheRightSecretEndsTheStage()
    {
        // The stage keeps its secret where the test can read it, then waits: the test plays the execution.
        var secretFile = Path.Combine(Path.GetTempPath(), $"stage-secret-{Guid.NewGuid():N}");
        var keepsSecret = new LocalStageCommand("/bin/sh", ["-c", $"printf %s \"$STAGE_CALLBACK_SECRET\" > '{secretFile}'; exec sleep 600"]);
        await using var host = await TestHost.StartAsync(_azurite, gpuTimeoutSeconds: 300, stageCommand: keepsSecret);
        var job = await host.SubmitAsync(Small);
        await WaitForStagePidAsync(host, job.Id);
        var secret = await File.ReadAllTextAsync(secretFile);
        File.Delete(secretFile);
        var route = $"api/jobs/{job.Id}/gpu-stage/callback";
        var succeeded = new { status = "Succeeded" };

        using var unknown = await PostCallbackAsync(host, "api/jobs/no-such-job/gpu-stage/callback", succeeded, "anything");
        using var missing = await PostCallbackAsync(host, route, succeeded, secret: null);
        using var wrong = await PostCallbackAsync(host, route, succeeded, "not-the-secret");
        using var bogus = await PostCallbackAsync(host, route, new { status = "Bogus" }, secret);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bogus.StatusCode);
        Assert.All(new[] { unknown, missing, wrong, bogus }, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        var problem = JsonDocument.Parse(await bogus.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("status", out _), problem.ToString());

        // None of them ended the stage: the job still waits for it.
        var waiting = await host.GetStatusAsync(job.Id);
        Assert.Equal("Running", waiting.GetProperty("runtimeStatus").GetString());
        Assert.Equal("GpuStage", waiting.GetProperty("phase").GetString());

        // The right secret does; this "execution" wrote no output, so the job fails saying so.
        using var accepted = await PostCallbackAsync(host, route, succeeded, secret);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var ended = await host.WaitAsync(job.Id, TimeSpan.FromSeconds(30));
        Assert.Equal("Failed", ended.GetProperty("runtimeStatus").GetString());
        Assert.Contains("does not exist", ended.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_WhileStageRuns_StopsTheStageProcess()
    {
        await using var host = await TestHost.StartAsync(_azurite, gpuTimeoutSeconds: 300, stageCommand: Sleep);
        var job = await host.SubmitAsync(Small);
        var pid = await WaitForStagePidAsync(host, job.Id);

        using var cancel = await host.Http.PostAsync(job.CancelPostUri, null);
        var status = await host.WaitAsync(job.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("Terminated", status.GetProperty("runtimeStatus").GetString());
        await AssertSleepEndsAsync(pid);
    }

    private static object Spec(MandelbrotView view) => new
    {
        workload = "mandelbrot",
        shards = 4,
        parameters = new { width = view.Width, height = view.Height, maxIterations = view.MaxIterations, centerX = view.CenterX, centerY = view.CenterY, scale = view.Scale },
    };

    private static object Small => Spec(OffAxis);

    /// <summary>
    /// Escape counts written out from the definition: pixel (x, y) is c = (centerX + (x + 0.5 − w/2)·step) +
    /// i·(centerY − (y + 0.5 − h/2)·step) with step = scale/w; from z = 0, count the steps z ← z² + c that keep
    /// |z|² ≤ 4, up to maxIterations.
    /// </summary>
    internal static uint[] ReferenceCounts(MandelbrotView view)
    {
        var (width, height) = (view.Width, view.Height);
        var counts = new uint[width * height];
        var step = view.Scale / width;
        for (var y = 0; y < height; y++)
        {
            var ci = view.CenterY - ((y + 0.5 - (height / 2.0)) * step);
            for (var x = 0; x < width; x++)
            {
                var cr = view.CenterX + ((x + 0.5 - (width / 2.0)) * step);
                double zr = 0, zi = 0;
                var n = 0;
                while (n < view.MaxIterations)
                {
                    var nextIm = (2.0 * zr * zi) + ci;
                    zr = (zr * zr) - (zi * zi) + cr;
                    zi = nextIm;
                    if ((zr * zr) + (zi * zi) > 4.0)
                    {
                        break;
                    }

                    n++;
                }

                counts[(y * width) + x] = (uint)n;
            }
        }

        return counts;
    }

    /// <summary>The output blob: "MBEC", version 1, width, height, maxIterations in a 32-byte header, then every count.</summary>
    internal static void AssertCounts(uint[] expected, MandelbrotView view, BinaryData output)
    {
        var bytes = output.ToMemory().Span;
        Assert.Equal(32 + (4 * expected.Length), bytes.Length);
        Assert.Equal("MBEC", Encoding.ASCII.GetString(bytes[..4]));
        Assert.Equal(
            (1u, view.Width, view.Height, view.MaxIterations),
            (BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]), BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]), BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]), BinaryPrimitives.ReadInt32LittleEndian(bytes[16..])));
        var wrong = new List<string>();
        for (var i = 0; i < expected.Length; i++)
        {
            var actual = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(32 + (4 * i))..]);
            if (actual != expected[i])
            {
                wrong.Add(string.Create(CultureInfo.InvariantCulture, $"({i % view.Width},{i / view.Width}): {actual}, expected {expected[i]}"));
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {expected.Length} counts differ; first: {string.Join("; ", wrong.Take(10))}");
    }

    /// <summary>Inside points, and only they, are black; every pixel has its count's palette colour, opaque.</summary>
    private static void AssertImage(uint[] expected, MandelbrotView view, SKBitmap image)
    {
        Assert.Equal((view.Width, view.Height), (image.Width, image.Height));
        var wrong = new List<string>();
        var colour = new byte[3];
        for (var y = 0; y < view.Height; y++)
        {
            for (var x = 0; x < view.Width; x++)
            {
                var count = expected[(y * view.Width) + x];
                var pixel = image.GetPixel(x, y);
                var black = pixel.Red == 0 && pixel.Green == 0 && pixel.Blue == 0;
                MandelbrotPalette.Colour(count, view.MaxIterations, colour);
                if (black != (count == (uint)view.MaxIterations) || (pixel.Red, pixel.Green, pixel.Blue) != (colour[0], colour[1], colour[2]) || pixel.Alpha != 255)
                {
                    wrong.Add(string.Create(CultureInfo.InvariantCulture, $"({x},{y}) count {count}: {pixel}"));
                }
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} pixels are wrong; first: {string.Join("; ", wrong.Take(10))}");
    }

    private static SKBitmap Decode(BinaryData png) =>
        SKBitmap.Decode(png.ToArray()) ?? throw new InvalidDataException("Skia could not decode the PNG.");

    /// <summary>The stage's process id, from the execution name "local-{pid}-{jobId}" in its launch record.</summary>
    private static async Task<int> WaitForStagePidAsync(TestHost host, string jobId)
    {
        var path = $"results/{jobId}/gpu/launch.json";
        for (var i = 0; i < 150; i++)
        {
            if (await host.BlobExistsAsync(path) && (await host.ReadBlobAsync<GpuStageLaunchRecord>(path)).ExecutionName is { Length: > 0 } name)
            {
                Assert.EndsWith($"-{jobId}", name, StringComparison.Ordinal);
                return int.Parse(name.Split('-')[1], CultureInfo.InvariantCulture);
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Job {jobId} launched no stage execution.");
        return 0;
    }

    private static async Task AssertSleepEndsAsync(int pid)
    {
        for (var i = 0; i < 50 && CommandLineOf(pid) == SleepCommandLine; i++)
        {
            await Task.Delay(100);
        }

        Assert.NotEqual(SleepCommandLine, CommandLineOf(pid));
    }

    /// <summary>/proc/{pid}/cmdline (arguments NUL-terminated), or empty once the process is gone.</summary>
    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static async Task<HttpResponseMessage> PostCallbackAsync(TestHost host, string route, object body, string? secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = JsonContent.Create(body) };
        if (secret is not null)
        {
            request.Headers.Add(StageEnvironment.SecretHeader, secret);
        }

        return await host.Http.SendAsync(request);
    }
}
