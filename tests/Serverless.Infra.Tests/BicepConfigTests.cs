using System.Text.Json;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>infra/bicepconfig.json makes linter warnings errors, so `bicep lint` fails on them.</summary>
public sealed class BicepConfigTests
{
    [Fact]
    public void BicepConfig_SetsEveryConfiguredRuleToError()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.BicepConfig));
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        var rules = core.GetProperty("rules").EnumerateObject().ToArray();

        Assert.True(core.GetProperty("enabled").GetBoolean());
        Assert.NotEmpty(rules);
        Assert.All(rules, rule => Assert.Equal("error", rule.Value.GetProperty("level").GetString()));
        // The rules whose default level is 'warning' in Bicep 0.49.2 include these; spot-check a few.
        var names = rules.Select(rule => rule.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal) { "no-unused-params", "no-unused-vars", "outputs-should-not-contain-secrets", "use-recognized-resource-type", "no-hardcoded-env-urls" },
            names);
    }

    // Three rules that default to 'warning': no-unused-params, no-unused-vars, prefer-interpolation.
    private const string FileWithWarnings = "param unused string\nvar unusedVariable = concat('a', 'b')\n";

    [Fact]
    public async Task WithoutTheConfig_WarningsDoNotFailLint()
    {
        var result = await LintInTempDirectoryAsync(config: "{}");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Warning no-unused-params", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BicepConfig_TurnsLinterWarningsIntoAFailedLint()
    {
        var result = await LintInTempDirectoryAsync(await File.ReadAllTextAsync(RepositoryPaths.BicepConfig));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Error no-unused-params", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Error no-unused-vars", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Error prefer-interpolation", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Warning", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<BicepResult> LintInTempDirectoryAsync(string config)
    {
        var directory = Directory.CreateTempSubdirectory("infra-lint-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "bicepconfig.json"), config);
            var file = Path.Combine(directory.FullName, "warnings.bicep");
            await File.WriteAllTextAsync(file, FileWithWarnings);
            return await BicepCli.RunAsync(directory.FullName, "lint", file);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
