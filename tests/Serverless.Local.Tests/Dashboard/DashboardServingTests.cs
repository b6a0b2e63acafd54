using System.Net;
using Serverless.Dashboard;
using Serverless.Local.Tests.Fixtures;

namespace Serverless.Local.Tests.Dashboard;

/// <summary>The dashboard's files through the local host's real routing (Kestrel decodes the path before the handler sees it).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DashboardServingTests : HostedTest
{
    public DashboardServingTests(AzuriteFixture azurite)
        : base(azurite)
    {
    }

    [Fact]
    public async Task Get_EmbeddedFile_IsServedWithItsContentType()
    {
        using var response = await Host.Http.GetAsync("api/dashboard/timeline.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(DashboardFiles.Find("timeline.js")!.Content, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_UnknownOrTraversalPaths_Are404()
    {
        // Sent as written: HttpClient would otherwise resolve "../" before sending.
        string[] paths = ["/api/dashboard/nope.css", "/api/dashboard/..%2Fhost.json", "/api/dashboard/%2e%2e%2f%2e%2e%2fhost.json", "/api/dashboard/..%5Chost.json", "/api/dashboard/Serverless.Shared.dll"];
        foreach (var path in paths)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Host.Host.BaseAddress!, new Uri(path, UriKind.Relative)));
            using var response = await Host.Http.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }
    }
}
