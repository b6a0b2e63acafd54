using System.Text.Json;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>infra/main.bicepparam lints and builds, and sets every parameter of main.bicep.</summary>
public sealed class MainBicepParamTests
{
    [Fact]
    public async Task BuildParams_MainBicepParam_BuildsAndSetsEveryParameter()
    {
        var lint = await BicepCli.RunAsync(RepositoryPaths.Infra, "lint", RepositoryPaths.MainBicepParam);
        Assert.True(lint.ExitCode == 0 && lint.StandardError.Length == 0, lint.Describe());

        var result = await BicepCli.RunAsync(RepositoryPaths.Infra, "build-params", RepositoryPaths.MainBicepParam, "--stdout");

        Assert.True(result.ExitCode == 0 && result.StandardError.Length == 0, result.Describe());
        using var output = JsonDocument.Parse(result.StandardOutput);
        using var parameters = JsonDocument.Parse(output.RootElement.GetProperty("parametersJson").GetString()!);
        var values = parameters.RootElement.GetProperty("parameters");
        Assert.Equal("T4", values.GetProperty("gpuProfile").GetProperty("value").GetString());
        // Every parameter of main.bicep is set here, so the file documents all of them.
        using var template = JsonDocument.Parse(output.RootElement.GetProperty("templateJson").GetString()!);
        var declared = template.RootElement.GetProperty("parameters").EnumerateObject().Select(parameter => parameter.Name).ToArray();
        Assert.NotEmpty(declared);
        Assert.All(declared, name => Assert.True(values.TryGetProperty(name, out _), $"main.bicepparam does not set {name}."));
    }
}
