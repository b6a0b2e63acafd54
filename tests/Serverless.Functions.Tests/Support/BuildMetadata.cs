using System.Reflection;

namespace Serverless.Functions.Tests.Support;

/// <summary>Values the project file writes into this assembly (see the AssemblyMetadata items in the csproj).</summary>
internal static class BuildMetadata
{
    public static string Get(string key) =>
        typeof(BuildMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing; see Serverless.Functions.Tests.csproj.");
}
