using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Local.Configuration;
using Serverless.Local.Storage;

namespace Serverless.Local.Tests.Fixtures;

/// <summary>A real Azurite on free ports, in memory, for the whole test run.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public static string AppRoot { get; } = LocalSettings.FindAppRoot(AppContext.BaseDirectory);

    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite is not running.");

    public async Task InitializeAsync() =>
        _azurite = await AzuriteProcess.StartAsync(AppRoot, location: null, NullLogger.Instance, preferDefaultPorts: false);

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
