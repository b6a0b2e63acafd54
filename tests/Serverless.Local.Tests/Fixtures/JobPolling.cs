using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.Local.Tests.Fixtures;

/// <summary>Reads a job's status through the HTTP API until it shows what a test waits for.</summary>
public static class JobPolling
{
    public static bool IsFinished(JsonElement status) =>
        status.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" or "Terminated";

    /// <summary>Shards done so far, from the running job's custom status (0 before the first report).</summary>
    public static int CompletedShards(JsonElement status) =>
        status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object ? custom.GetProperty("completedShards").GetInt32() : 0;

    /// <summary>Polls GET api/jobs/{id} until <paramref name="done"/> holds, and returns that status.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient http, string jobId, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonElement>($"api/jobs/{jobId}");
            if (done(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId}: timed out after {timeout.TotalSeconds:0} s; last status {status}");
            await Task.Delay(200);
        }
    }
}
