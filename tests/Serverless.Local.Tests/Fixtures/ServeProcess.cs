using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Serverless.Jobs;
using Serverless.Local.Configuration;

namespace Serverless.Local.Tests.Fixtures;

/// <summary>
/// <c>serve</c> as its own process (the host built beside these tests), on a given storage account and task hub
/// (the hub through the Functions-style host.json override), so a test can kill it as a crash would.
/// </summary>
public sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log;

    private ServeProcess(Process process, StringBuilder log, Uri baseAddress)
    {
        _process = process;
        _log = log;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    /// <summary>This process as the manifest and the timeline name the worker that ran a shard.</summary>
    public string Worker => $"{Environment.MachineName}:{_process.Id}";

    public static async Task<ServeProcess> StartAsync(string connectionString, string hub)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AzuriteFixture.AppRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "serverless-local.dll"), "serve", "--port", port.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[LocalSettings.StorageSetting] = connectionString;
        info.Environment[LocalSettings.HostOverridePrefix + "extensions__durableTask__hubName"] = hub;
        var log = new StringBuilder();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var serve = new ServeProcess(process, log, new Uri($"http://127.0.0.1:{port}/"));
        var started = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (started != ready.Task)
        {
            serve.Dispose();
            Assert.Fail($"serve did not start: {serve.Log}");
        }

        Assert.Contains($"task hub {hub}", await ready.Task, StringComparison.Ordinal);
        return serve;

        void Append(string? line)
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
                ready.TrySetResult(line);
            }
        }
    }

    /// <summary>What the process printed so far, for a failing test's message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task<string> SubmitAsync(object spec)
    {
        using var response = await Http.PostAsJsonAsync("api/jobs", spec);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public Task<JsonElement> WaitForAsync(string jobId, Func<JsonElement, bool> done, TimeSpan timeout) =>
        JobPolling.WaitForAsync(Http, jobId, done, timeout);

    public async Task<JobManifest> ReadManifestAsync(string jobId) =>
        (await Http.GetFromJsonAsync<JobManifest>($"api/jobs/{jobId}/manifest", JobJson.Options))!;

    /// <summary>The workers named by the job's activity calls so far (the timeline's lanes).</summary>
    public async Task<IReadOnlySet<string>> CallWorkersAsync(string jobId)
    {
        var page = await Http.GetFromJsonAsync<JsonElement>($"api/jobs/{jobId}/calls");
        return page.GetProperty("calls").EnumerateArray().Select(call => call.GetProperty("worker").GetString()!).ToHashSet();
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
