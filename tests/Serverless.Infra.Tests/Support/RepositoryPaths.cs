using Serverless.Tests.Build;

namespace Serverless.Infra.Tests.Support;

/// <summary>Paths in the repository the tests read (the infra/ folder and its Bicep files).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    public static string MainBicepParam => Path.Combine(Infra, "main.bicepparam");

    public static string EventGridBicep => Path.Combine(Infra, "eventgrid.bicep");

    public static string BicepConfig => Path.Combine(Infra, "bicepconfig.json");

    /// <summary>Every .bicep file under infra/, as paths relative to infra/ with forward slashes.</summary>
    public static IReadOnlyList<string> BicepFiles() =>
        Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Infra, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static string FindRoot()
    {
        // The project file records where the repository was built from; fall back to walking up from the
        // test binaries when the tests run from a copied output folder.
        var recorded = BuildMetadata.Get("RepositoryRoot");
        if (File.Exists(Path.Combine(recorded, "Serverless.sln")))
        {
            return recorded;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Serverless.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (the folder holding Serverless.sln).");
    }
}
