using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Serverless.Jobs;
using Serverless.Local.Configuration;
using Serverless.Local.Tests.Fixtures;
using Xunit.Abstractions;

namespace Serverless.Local.Tests.Engine;

/// <summary>
/// Short queue visibility timeouts: a crashed worker's work is taken over within seconds, while a shard that runs
/// longer than the timeout keeps its message hidden (the activity dispatcher renews it) and runs once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CrashRecoveryTests
{
    private readonly AzuriteFixture _azurite;
    private readonly ITestOutputHelper _output;

    public CrashRecoveryTests(AzuriteFixture azurite, ITestOutputHelper output)
    {
        _azurite = azurite;
        _output = output;
    }

    [Fact]
    public async Task ShardLongerThanVisibilityTimeout_RunsOnce()
    {
        // The dispatcher renews every 5 s, so a timeout of 5 s would leave the message visible for a moment before
        // each renewal; 10 s leaves a margin and is still well under the shard's 25 s.
        await using var host = await TestHost.StartAsync(_azurite, visibilityTimeout: TimeSpan.FromSeconds(10));

        var job = await host.SubmitAsync(new { workload = "flaky", shards = 1, parameters = new { milliseconds = 25_000 } });
        var status = await host.WaitAsync(job.Id, TimeSpan.FromSeconds(50));

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        Assert.Equal(1, status.GetProperty("output").GetProperty("result").GetInt64());
        Assert.Equal([0], host.Flaky.Started);
        Assert.Equal([0], host.Flaky.Ran);
    }

    [Fact]
    public async Task ServeKilledMidJob_RestartResumesWithinVisibilityTimeout_ExactAnswer()
    {
        var visibility = LocalSettings.Load(AzuriteFixture.AppRoot).Durable.WorkItemQueueVisibilityTimeout;
        var hub = TestHost.NewHubName();
        const long Limit = 1_000_000_000;
        const long PrimesBelowLimit = 50_847_534;
        const int Shards = 40;

        string jobId;
        int doneAtKill;
        using (var first = await ServeProcess.StartAsync(_azurite.ConnectionString, hub))
        {
            using var response = await first.Http.PostAsJsonAsync("api/jobs", new { workload = "primes", shards = Shards, maxParallelism = 2, parameters = new { limit = Limit } });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            jobId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            doneAtKill = CompletedShards(await WaitForAsync(first.Http, jobId, s => CompletedShards(s) >= 4, TimeSpan.FromSeconds(30)));
            first.Kill();
            Assert.True(doneAtKill < Shards, $"The job finished before the kill ({doneAtKill} shards).");
        }

        var restarted = DateTimeOffset.UtcNow;
        using var second = await ServeProcess.StartAsync(_azurite.ConnectionString, hub);
        // Resumed: the restarted host completed a shard. Its wait is the partition leases' expiry (30 s) and the
        // visibility timeout of the messages the killed host had taken, which run at the same time.
        await WaitForAsync(second.Http, jobId, s => CompletedShards(s) > doneAtKill || IsFinished(s), TimeSpan.FromSeconds(60));
        var resumedAfter = DateTimeOffset.UtcNow - restarted;
        await WaitForAsync(second.Http, jobId, IsFinished, TimeSpan.FromSeconds(30));
        var status = await second.Http.GetFromJsonAsync<JsonElement>($"api/jobs/{jobId}");
        var finishedAfter = status.GetProperty("lastUpdatedTime").GetDateTimeOffset() - restarted;
        _output.WriteLine($"Killed with {doneAtKill} of {Shards} shards done; restart to first shard {resumedAfter.TotalSeconds:0.0} s, to finish {finishedAfter.TotalSeconds:0.0} s (visibility timeout {visibility.TotalSeconds:0} s).");

        Assert.Equal("Completed", status.GetProperty("phase").GetString());
        Assert.Equal(PrimesBelowLimit, status.GetProperty("output").GetProperty("result").GetProperty("primeCount").GetInt64());
        Assert.InRange(resumedAfter, TimeSpan.Zero, visibility + TimeSpan.FromSeconds(15));
        var manifestBlob = new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient("results")
            .GetBlobClient(status.GetProperty("blobs").GetProperty("manifest").GetString()!["results/".Length..]);
        var manifest = JobJson.Deserialize<JobManifest>((await manifestBlob.DownloadContentAsync()).Value.Content);
        Assert.Equal(Enumerable.Range(0, Shards), manifest.Shards.Select(s => s.Index));
    }

    private static bool IsFinished(JsonElement status) => status.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" or "Terminated";

    private static int CompletedShards(JsonElement status) =>
        status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object ? custom.GetProperty("completedShards").GetInt32() : 0;

    private static async Task<JsonElement> WaitForAsync(HttpClient http, string jobId, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonElement>($"api/jobs/{jobId}");
            if (done(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId}: timed out; last status {status}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// <c>serve</c> as its own process (the host built beside these tests), on a given task hub through the
    /// Functions-style host.json override, so it can be killed as a crash would.
    /// </summary>
    private sealed class ServeProcess : IDisposable
    {
        private readonly Process _process;

        private ServeProcess(Process process, Uri baseAddress)
        {
            _process = process;
            Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        }

        public HttpClient Http { get; }

        public static async Task<ServeProcess> StartAsync(string connectionString, string hub)
        {
            var port = FreePort();
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AzuriteFixture.AppRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "serverless-local.dll"), "serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment[LocalSettings.StorageSetting] = connectionString;
            info.Environment[LocalSettings.HostOverridePrefix + "extensions__durableTask__hubName"] = hub;
            var log = new StringBuilder();
            var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, e) => Append(e.Data, ready);
            process.ErrorDataReceived += (_, e) => Append(e.Data, ready);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var serve = new ServeProcess(process, new Uri($"http://127.0.0.1:{port}/"));
            var started = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
            if (started != ready.Task)
            {
                serve.Dispose();
                lock (log)
                {
                    Assert.Fail($"serve did not start: {log}");
                }
            }

            Assert.Contains($"task hub {hub}", await ready.Task, StringComparison.Ordinal);
            return serve;

            void Append(string? line, TaskCompletionSource<string> whenServing)
            {
                if (line is null)
                {
                    return;
                }

                lock (log)
                {
                    log.AppendLine(line);
                }

                if (line.StartsWith("Serving", StringComparison.Ordinal))
                {
                    whenServing.TrySetResult(line);
                }
            }
        }

        /// <summary>A SIGKILL on Linux: nothing is flushed or released.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        public void Dispose()
        {
            Http.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
