namespace Serverless.Local.Tests.Fixtures;

/// <summary>A test class that gets a fresh <see cref="TestHost"/> (own task hub, HTTP on a free port) per test.</summary>
public abstract class HostedTest : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite;
    private TestHost? _host;

    protected HostedTest(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    protected TestHost Host => _host ?? throw new InvalidOperationException("The host starts in InitializeAsync.");

    /// <summary>The host every test of the class gets; a class that needs other settings starts it its own way.</summary>
    protected virtual Task<TestHost> StartHostAsync(AzuriteFixture azurite) => TestHost.StartAsync(azurite);

    public async Task InitializeAsync() => _host = await StartHostAsync(_azurite);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
