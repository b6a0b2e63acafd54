using System.Text.Json;

namespace Serverless.Infra.Tests.Support;

/// <summary>Compiles one Bicep file once per test class and keeps the ARM JSON.</summary>
public abstract class CompiledTemplateFixture : IAsyncLifetime
{
    private readonly string _bicepFile;
    private JsonDocument? _document;

    protected CompiledTemplateFixture(string bicepFile)
    {
        _bicepFile = bicepFile;
    }

    /// <summary>The compiled template (modules nested as Microsoft.Resources/deployments).</summary>
    public JsonElement Template => (_document ?? throw new InvalidOperationException("Not compiled yet.")).RootElement;

    public async Task InitializeAsync()
    {
        var result = await BicepCli.RunAsync(RepositoryPaths.Infra, "build", _bicepFile, "--stdout");
        if (result.ExitCode != 0 || string.IsNullOrWhiteSpace(result.StandardOutput))
        {
            throw new InvalidOperationException($"bicep build {_bicepFile} failed: {result.Describe()}");
        }

        _document = JsonDocument.Parse(result.StandardOutput);
    }

    public Task DisposeAsync()
    {
        _document?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>infra/main.bicep, compiled.</summary>
public sealed class MainTemplateFixture() : CompiledTemplateFixture(RepositoryPaths.MainBicep);

/// <summary>infra/eventgrid.bicep (deployed by the postdeploy hook), compiled.</summary>
public sealed class EventGridTemplateFixture() : CompiledTemplateFixture(RepositoryPaths.EventGridBicep);
