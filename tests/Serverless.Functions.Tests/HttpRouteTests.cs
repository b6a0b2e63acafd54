using System.Text.Json;
using Serverless.Api;

using Serverless.Tests.Build;

namespace Serverless.Functions.Tests;

/// <summary>
/// <see cref="JobRoutes.All"/> (which the local host maps) against the Functions app's generated
/// functions.metadata: the same routes, methods and key requirements in both hosts.
/// </summary>
public sealed class HttpRouteTests
{
    private static readonly IReadOnlyList<HttpFunction> Metadata = ReadHttpFunctions();

    public static TheoryData<string> Routes => new(JobRoutes.All.Select(route => route.FunctionName));

    [Theory]
    [MemberData(nameof(Routes))]
    public void Metadata_DeclaredRoute_HasAnHttpTriggerWithItsMethodTemplateAndKey(string functionName)
    {
        var route = JobRoutes.Named(functionName);

        var function = Assert.Single(Metadata, f => f.Name == functionName);

        Assert.Equal([route.Method.ToLowerInvariant()], function.Methods);
        Assert.Equal(route.Template, function.Route);
        Assert.Equal(route.Anonymous ? "Anonymous" : "Function", function.AuthLevel);
    }

    [Fact]
    public void Metadata_HttpFunctions_AreAllDeclared() =>
        Assert.Equal(JobRoutes.All.Select(route => route.FunctionName).Order(StringComparer.Ordinal), Metadata.Select(f => f.Name).Order(StringComparer.Ordinal));

    [Fact]
    public void JobRoutes_MethodAndTemplate_AreUnique() =>
        Assert.Equal(JobRoutes.All.Count, JobRoutes.All.Select(route => (route.Method, route.Template)).Distinct().Count());

    private static List<HttpFunction> ReadHttpFunctions()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(BuildMetadata.Get("FunctionsOutputDirectory"), "functions.metadata")));
        var functions = new List<HttpFunction>();
        foreach (var function in document.RootElement.EnumerateArray())
        {
            foreach (var binding in function.GetProperty("bindings").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "httpTrigger"))
            {
                functions.Add(new HttpFunction(
                    function.GetProperty("name").GetString()!,
                    [.. binding.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!)],
                    binding.GetProperty("route").GetString()!,
                    binding.GetProperty("authLevel").GetString()!));
            }
        }

        return functions;
    }

    private sealed record HttpFunction(string Name, IReadOnlyList<string> Methods, string Route, string AuthLevel);
}
