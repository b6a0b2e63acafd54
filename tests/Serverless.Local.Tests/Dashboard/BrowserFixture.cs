using Microsoft.Playwright;

namespace Serverless.Local.Tests.Dashboard;

/// <summary>
/// One headless Chromium for the dashboard tests: the system's (Debian package <c>chromium</c>, which .ci/run
/// installs), driven by Playwright; Playwright's own browser download is never used.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    // The flags keep Chromium from calling home (updates, sync, field trials) on a network that cannot reach out.
    private static readonly string[] Flags =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Jobs take seconds to finish here; Playwright's 5 s default would fail a page that is merely waiting for one.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = FindChromium(), Headless = true, Args = Flags });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static string FindChromium()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "chromium"))
            .FirstOrDefault(File.Exists);
        return found ?? throw new InvalidOperationException("Chromium is not installed: apt-get install -y chromium (.ci/run does this).");
    }
}
