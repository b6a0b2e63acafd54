using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Serverless.Local.Tests.Fixtures;
using static Microsoft.Playwright.Assertions;

namespace Serverless.Local.Tests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium against a real local host on Azurite: the page is opened, a job is
/// submitted through its form, watched to the end, failed and canceled, and the API's validation errors land next
/// to their fields.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DashboardTests : HostedTest, IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 60_000 };
    private readonly BrowserFixture _browser;

    public DashboardTests(AzuriteFixture azurite, BrowserFixture browser)
        : base(azurite)
    {
        _browser = browser;
    }

    private Task<IBrowserContext> NewContextAsync() =>
        _browser.Browser.NewContextAsync(new() { BaseURL = Host.Host.BaseAddress!.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });

    private static async Task<IPage> OpenAsync(IBrowserContext context, string hash)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/api/dashboard/" + hash);
        return page;
    }

    private static ILocator Phase(IPage page) => page.Locator("h1 .badge");

    [Fact]
    public async Task Root_RedirectsToTheDashboard_WhichListsTheJobs()
    {
        var job = await Host.SubmitAsync(new { workload = "sleep", shards = 2, parameters = new { milliseconds = 0 } });
        await Host.WaitAsync(job.Id);
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(Host.Host.BaseAddress!.ToString());

        Assert.EndsWith("/api/dashboard/", page.Url, StringComparison.Ordinal);
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        var row = page.Locator($"#jobs tr[data-job-id='{job.Id}']");
        await Expect(row).ToContainTextAsync("sleep");
        await Expect(row).ToContainTextAsync("Completed");
        await Expect(row).ToContainTextAsync("2 / 0 / 2");
    }

    [Fact]
    public async Task SubmitForm_ValidSpec_OpensTheJobsPageAndTheJobRuns()
    {
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, "#/submit");
        await page.SelectOptionAsync("#field-workload", "flaky");
        await page.FillAsync("#field-parameters-milliseconds", "20");
        await page.FillAsync("#field-shards", "6");

        await page.ClickAsync("button[type=submit]");

        // Polled, not awaited as a navigation: the hash changes in the page, and an event that lands between a
        // navigation waiter's first look and its subscription would be missed.
        try
        {
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/jobs/[0-9a-f]{32}$"), new() { Timeout = 30_000 });
        }
        catch (PlaywrightException e)
        {
            Assert.Fail($"No job page after submitting ({page.Url}); the form says '{await page.Locator("#form-error").TextContentAsync()}'. {e.Message}");
        }
        var jobId = Uri.UnescapeDataString(page.Url[(page.Url.LastIndexOf('/') + 1)..]);
        var status = await Host.WaitAsync(jobId);
        Assert.Equal(("flaky", 6), (status.GetProperty("workload").GetString(), status.GetProperty("shards").GetInt32()));
        await Expect(Phase(page)).ToHaveTextAsync("Completed", Slow);
        await Expect(page.Locator("#job-facts")).ToContainTextAsync("6 of 6");
    }

    [Fact]
    public async Task JobPage_FinishedJob_TimelineHasOneBarPerActivityCall()
    {
        // A mandelbrot job, so the page also shows a picture: the screenshot the README uses comes from here.
        var job = await Host.SubmitAsync(new
        {
            workload = "mandelbrot", shards = 32, maxParallelism = 8,
            parameters = new { width = 768, height = 512, maxIterations = 400, centerX = -0.7453, centerY = 0.1127, scale = 0.03 },
        });
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, $"#/jobs/{job.Id}");

        await Expect(Phase(page)).ToHaveTextAsync("Completed", Slow);
        var calls = await CountCallsAsync(job.Id);

        Assert.True(calls >= 1, "The job's calls are listed.");
        await Expect(page.Locator("canvas#timeline")).ToHaveAttributeAsync("data-bars", calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#timeline-note")).ToContainTextAsync($"{calls} activity calls");
        await Expect(page.Locator("#result img.preview")).ToBeVisibleAsync();
        Assert.True(await page.Locator("#result img.preview").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "The preview image decodes.");
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "dashboard.png"), FullPage = true });
    }

    [Fact]
    public async Task JobPage_AlwaysFailingShard_IsListedInTheFailuresTable()
    {
        var job = await Host.SubmitAsync(new
        {
            workload = "flaky", shards = 10, toleratedFailurePercent = 10, speculation = "off",
            retry = new { maxAttempts = 2, firstRetryIntervalSeconds = 0 },
            parameters = new { failShard = 3, failAttempts = 100 },
        });
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, $"#/jobs/{job.Id}");

        await Expect(Phase(page)).ToHaveTextAsync("CompletedWithFailures", Slow);
        var row = page.Locator("#failures tr[data-shard='3']");
        await Expect(row).ToContainTextAsync("Injected failure: shard 3, attempt 2.");
        await Expect(page.Locator("#failures tbody tr")).ToHaveCountAsync(1);
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("2");
    }

    [Fact]
    public async Task JobPage_Cancel_StopsALongJob()
    {
        var job = await Host.SubmitAsync(new { workload = "sleep", shards = 40, maxParallelism = 2, parameters = new { milliseconds = 1000 } });
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, $"#/jobs/{job.Id}");
        var cancel = page.Locator("button[data-action=cancel]");
        await Expect(cancel).ToBeEnabledAsync(new() { Timeout = 30_000 });

        await cancel.ClickAsync();

        await Expect(Phase(page)).ToHaveTextAsync("Canceled", Slow);
        var status = await Host.GetStatusAsync(job.Id);
        Assert.Equal("Terminated", status.GetProperty("runtimeStatus").GetString());
        Assert.True(status.GetProperty("customStatus").GetProperty("completedShards").GetInt32() < 40, "The job stopped before its end.");
        await Expect(cancel).ToBeDisabledAsync();
    }

    [Fact]
    public async Task SubmitForm_InvalidParameter_ShowsTheApisErrorNextToTheField()
    {
        await using var context = await NewContextAsync();
        var page = await OpenAsync(context, "#/submit");
        await page.SelectOptionAsync("#field-workload", "montecarlo-pi");
        await page.FillAsync("#field-parameters-samples", "0");

        await page.ClickAsync("button[type=submit]");

        var field = page.Locator(".field[data-field='parameters.samples']");
        await Expect(field.Locator(".field-error")).ToContainTextAsync("must be");
        await Expect(field).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("invalid"));
        Assert.EndsWith("#/submit", page.Url, StringComparison.Ordinal);
        var jobs = JsonDocument.Parse(await Host.Http.GetStringAsync("api/jobs")).RootElement.GetProperty("jobs");
        Assert.Equal(0, jobs.GetArrayLength());
    }

    private async Task<int> CountCallsAsync(string jobId)
    {
        var calls = 0;
        string? token = null;
        do
        {
            var query = token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token);
            var page = JsonDocument.Parse(await Host.Http.GetStringAsync($"api/jobs/{jobId}/calls?pageSize=100{query}")).RootElement;
            calls += page.GetProperty("calls").GetArrayLength();
            token = page.TryGetProperty("continuationToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (token is not null);
        return calls;
    }
}
