using System.Reflection;

namespace Serverless.Tests.Build;

/// <summary>
/// Values a test project's build writes into its assembly (AssemblyMetadata items in its csproj), such as
/// where a tool or another project's output lies. Linked into the test projects that need it.
/// </summary>
internal static class BuildMetadata
{
    public static string Get(string key) =>
        typeof(BuildMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing; see the AssemblyMetadata items in the test project's csproj.");
}
