using System.Text.Json;

using Serverless.Tests.Build;

namespace Serverless.Functions.Tests;

/// <summary>The retention purge is a timer function of the app, firing once a day.</summary>
public sealed class RetentionTimerTests
{
    [Fact]
    public void Metadata_PurgeExpiredJobs_IsADailyTimerWithADurableClient()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(BuildMetadata.Get("FunctionsOutputDirectory"), "functions.metadata")));

        var function = Assert.Single(document.RootElement.EnumerateArray(), f => f.GetProperty("name").GetString() == "PurgeExpiredJobs");

        var bindings = function.GetProperty("bindings").EnumerateArray().ToList();
        var timer = Assert.Single(bindings, b => b.GetProperty("type").GetString() == "timerTrigger");
        // Six-field NCRONTAB: second, minute, hour, then every day of every month.
        var fields = timer.GetProperty("schedule").GetString()!.Split(' ');
        Assert.Equal(6, fields.Length);
        Assert.All(fields[..3], field => Assert.True(int.TryParse(field, out _), $"'{field}' is not a fixed time of day."));
        Assert.Equal(["*", "*", "*"], fields[3..]);
        Assert.Contains(bindings, b => b.GetProperty("type").GetString() == "durableClient");
    }
}
