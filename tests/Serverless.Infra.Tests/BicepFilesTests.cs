using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>Every Bicep file under infra/ compiles and lints with no diagnostic at all (error, warning or info).</summary>
public sealed class BicepFilesTests
{
    [Fact]
    public void InfraFolder_HasTheEntryPointsAndModules()
    {
        var files = RepositoryPaths.BicepFiles();

        Assert.Contains("main.bicep", files);
        Assert.Contains("eventgrid.bicep", files);
        Assert.Contains(files, file => file.StartsWith("modules/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Build_EveryBicepFile_CompilesWithoutDiagnostics()
    {
        var outDir = Directory.CreateTempSubdirectory("infra-build-");
        try
        {
            var result = await BicepCli.RunAsync(RepositoryPaths.Infra, "build", "--pattern", "**/*.bicep", "--outdir", outDir.FullName);

            Assert.True(result.ExitCode == 0 && result.StandardError.Length == 0, result.Describe());
            foreach (var file in RepositoryPaths.BicepFiles())
            {
                var compiled = Path.Combine(outDir.FullName, Path.ChangeExtension(file, ".json"));
                Assert.True(File.Exists(compiled), $"bicep build --pattern did not compile {file}.");
            }
        }
        finally
        {
            outDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Lint_EveryBicepFile_HasNoDiagnostics()
    {
        var result = await BicepCli.RunAsync(RepositoryPaths.Infra, "lint", "--pattern", "**/*.bicep");

        Assert.True(result.ExitCode == 0 && result.StandardError.Length == 0 && result.StandardOutput.Trim().Length == 0, result.Describe());
    }
}
