using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Serverless.Local.Stages;
using Serverless.Local.Tests.Fixtures;
using Serverless.Local.Tests.Stages;
using Serverless.Stages;
using Serverless.Workloads.Mandelbrot;

namespace Serverless.Local.Tests.Faults;

/// <summary>
/// Forged and replayed stage callbacks over real HTTP, against two mandelbrot jobs whose stages really render: the
/// stage program runs without a callback URL and leaves its secret where the test can read it, so the test delivers
/// every callback itself. Polling is off (600 s), so only an accepted callback can end a stage.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StageCallbackFaultTests : IDisposable
{
    private static readonly MandelbrotView View = new(64, 48, CenterX: -0.5, CenterY: 0.6, Scale: 1.2, MaxIterations: 200);
    private static readonly string StageProgram = Path.Combine(AppContext.BaseDirectory, "Serverless.GpuStage.dll");
    private readonly AzuriteFixture _azurite;
    private readonly string _secrets = Directory.CreateTempSubdirectory("stage-secrets-").FullName;

    public StageCallbackFaultTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    public void Dispose() => Directory.Delete(_secrets, recursive: true);

    [Fact]
    public async Task ForgedCallbacks_AreRefused_ReplayedOnesAreHarmless_AndBothJobsFinishExactly()
    {
        // Arrange
        var stage = new LocalStageCommand(
            "/bin/sh",
            ["-c", $"printf %s \"$STAGE_CALLBACK_SECRET\" > '{_secrets}/'\"$STAGE_JOB_ID\"; exec env -u {StageEnvironment.CallbackUrl} dotnet '{StageProgram}'"]);
        await using var host = await TestHost.StartAsync(_azurite, gpuPollSeconds: 600, gpuTimeoutSeconds: 300, stageCommand: stage);
        var spec = new
        {
            workload = "mandelbrot",
            shards = 4,
            parameters = new { width = View.Width, height = View.Height, maxIterations = View.MaxIterations, centerX = View.CenterX, centerY = View.CenterY, scale = View.Scale },
        };
        var a = await host.SubmitAsync(spec);
        var b = await host.SubmitAsync(spec);
        var (secretA, secretB) = (await StageEndedAsync(host, a.Id), await StageEndedAsync(host, b.Id));
        var succeeded = new { status = "Succeeded" };

        // Act: forgeries first, while both jobs wait for their stage.
        using var missing = await PostAsync(host, a.Id, succeeded, secret: null);
        using var wrong = await PostAsync(host, a.Id, succeeded, "not-the-secret");
        using var otherJobs = await PostAsync(host, a.Id, succeeded, secretB);
        using var otherFailed = await PostAsync(host, b.Id, new { status = "Failed", error = "forged" }, secretA);
        using var unknownJob = await PostAsync(host, "no-such-job", succeeded, secretA);

        // Assert: each refused with its status as problem+json, and neither stage ended.
        Assert.Equal(
            [HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.NotFound],
            new[] { missing, wrong, otherJobs, otherFailed, unknownJob }.Select(r => r.StatusCode));
        Assert.All(new[] { missing, wrong, otherJobs, otherFailed, unknownJob }, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        foreach (var id in new[] { a.Id, b.Id })
        {
            var waiting = await host.GetStatusAsync(id);
            Assert.Equal(("Running", "GpuStage"), (waiting.GetProperty("runtimeStatus").GetString(), waiting.GetProperty("phase").GetString()));
        }

        // Act: the genuine callback of A twice in a row, then once more after A has finished.
        using var accepted = await PostAsync(host, a.Id, succeeded, secretA);
        using var replayed = await PostAsync(host, a.Id, succeeded, secretA);
        var endedA = await host.WaitAsync(a.Id, TimeSpan.FromSeconds(60));
        var resultA = await host.Http.GetStringAsync(a.ResultGetUri);
        using var late = await PostAsync(host, a.Id, new { status = "Failed", error = "replayed late" }, secretA);

        // Assert: the replay is accepted or told the job moved on; the late one is a conflict; A's answer is exact and stays.
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Contains(replayed.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("application/problem+json", late.Content.Headers.ContentType?.MediaType);
        await AssertExactAsync(host, a.Id, endedA);
        Assert.Equal("Completed", (await host.GetStatusAsync(a.Id)).GetProperty("runtimeStatus").GetString());
        Assert.Equal(resultA, await host.Http.GetStringAsync(a.ResultGetUri));

        // B, whose secret was used against A and against which A's was used, still finishes exactly on its own callback.
        using var acceptedB = await PostAsync(host, b.Id, succeeded, secretB);
        Assert.Equal(HttpStatusCode.Accepted, acceptedB.StatusCode);
        await AssertExactAsync(host, b.Id, await host.WaitAsync(b.Id, TimeSpan.FromSeconds(60)));
    }

    /// <summary>The job's secret, once its stage process has ended (its exit record is written after its output).</summary>
    private async Task<string> StageEndedAsync(TestHost host, string jobId)
    {
        var exit = LocalProcessLauncher.ExitBlob(jobId);
        for (var i = 0; i < 300 && !await host.BlobExistsAsync(exit); i++)
        {
            await Task.Delay(100);
        }

        var ended = await host.ReadBlobAsync<LocalStageExit>(exit);
        Assert.Equal(0, ended.ExitCode);
        return await File.ReadAllTextAsync(Path.Combine(_secrets, jobId));
    }

    private static async Task AssertExactAsync(TestHost host, string jobId, JsonElement status)
    {
        Assert.Equal(("Completed", "Completed"), (status.GetProperty("runtimeStatus").GetString(), status.GetProperty("phase").GetString()));
        var expected = GpuStageTests.ReferenceCounts(View);
        GpuStageTests.AssertCounts(expected, View, await host.ReadBlobBytesAsync($"results/{jobId}/gpu/output.bin"));
        var result = JsonDocument.Parse(await host.ReadBlobBytesAsync($"results/{jobId}/result.json")).RootElement.GetProperty("result");
        Assert.Equal(expected.LongCount(c => c == View.MaxIterations), result.GetProperty("insidePixels").GetInt64());
    }

    private static async Task<HttpResponseMessage> PostAsync(TestHost host, string jobId, object body, string? secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/jobs/{jobId}/gpu-stage/callback") { Content = JsonContent.Create(body) };
        if (secret is not null)
        {
            request.Headers.Add(StageEnvironment.SecretHeader, secret);
        }

        return await host.Http.SendAsync(request);
    }
}
