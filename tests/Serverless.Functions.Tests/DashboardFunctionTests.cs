using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Serverless.Dashboard;

namespace Serverless.Functions.Tests;

/// <summary>
/// The Functions app's dashboard functions, called as the worker calls them: they serve exactly the files checked
/// in under shared/Dashboard/wwwroot, with their content types, and nothing else.
/// </summary>
public sealed class DashboardFunctionTests : IDisposable
{
    private static readonly string Folder = Path.Combine(RepositoryRoot(), "shared", "Dashboard", "wwwroot");
    private readonly ServiceProvider _services = TestServices.Build();

    // What results need while they execute (a logger factory), as the worker's request pipeline has.
    private readonly ServiceProvider _requestServices = new ServiceCollection().AddLogging().BuildServiceProvider();
    private readonly JobFunctions _functions;
    private readonly DurableTaskClient _client = new Mock<DurableTaskClient>("test").Object;

    public DashboardFunctionTests()
    {
        // As the worker makes function classes: from the app's services.
        _functions = ActivatorUtilities.CreateInstance<JobFunctions>(_services);
    }

    private static readonly IReadOnlyList<string> Names = [.. Directory.GetFiles(Folder).Select(file => Path.GetFileName(file)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> CheckedInFiles => new(Names);

    [Fact]
    public void EmbeddedFiles_AreTheCheckedInFiles() =>
        Assert.Equal(Names, DashboardFiles.Names.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(CheckedInFiles))]
    public async Task DashboardFile_CheckedInFile_IsServedWithItsBytesAndContentType(string name)
    {
        var context = await GetAsync("/api/dashboard/" + name, (request, client) => _functions.DashboardFileAsync(request, client));

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Folder, name)), Body(context));
        var expected = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            var other => throw new InvalidOperationException($"No expected content type for '{other}'."),
        };
        Assert.Equal(expected, context.Response.ContentType);
        Assert.Equal("no-cache", context.Response.Headers.CacheControl.ToString());
        Assert.Equal("nosniff", context.Response.Headers.XContentTypeOptions.ToString());
    }

    [Theory]
    // Paths as the server hands them over: percent-decoded, except %2F, which stays encoded inside its segment.
    [InlineData("/api/dashboard/nope.js")]
    [InlineData("/api/dashboard/..%2Fhost.json")]
    [InlineData("/api/dashboard/..%2F..%2Fhost.json")]
    [InlineData("/api/dashboard/Serverless.Shared.dll")]
    [InlineData("/api/dashboard/INDEX.HTML")]
    [InlineData("/api/dashboard/dashboard%2Fapp.js")]
    [InlineData("/api/dashboard/%2Fetc%2Fpasswd")]
    public async Task DashboardFile_UnknownOrTraversalPath_Is404(string path)
    {
        var context = await GetAsync(path, (request, client) => _functions.DashboardFileAsync(request, client));

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
    }

    [Fact]
    public async Task DashboardFile_MatchingETag_Is304WithoutABody()
    {
        var first = await GetAsync("/api/dashboard/app.js", (request, client) => _functions.DashboardFileAsync(request, client));
        var etag = first.Response.Headers.ETag.ToString();

        var second = await GetAsync("/api/dashboard/app.js", (request, client) => _functions.DashboardFileAsync(request, client), etag);

        Assert.StartsWith("\"", etag, StringComparison.Ordinal);
        Assert.Equal(StatusCodes.Status304NotModified, second.Response.StatusCode);
        Assert.Empty(Body(second));
    }

    [Fact]
    public async Task Dashboard_WithoutTrailingSlash_RedirectsIntoTheFolderKeepingTheKey()
    {
        var context = await GetAsync("/api/dashboard", (request, client) => _functions.DashboardAsync(request, client), query: "?code=secret");

        Assert.Equal(StatusCodes.Status302Found, context.Response.StatusCode);
        Assert.Equal("dashboard/?code=secret", context.Response.Headers.Location.ToString());
    }

    [Fact]
    public async Task Dashboard_WithTrailingSlash_ServesTheIndex()
    {
        var context = await GetAsync("/api/dashboard/", (request, client) => _functions.DashboardAsync(request, client));

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal(DashboardFiles.Find(DashboardFiles.IndexFile)!.Content, Body(context));
    }

    private async Task<HttpContext> GetAsync(string path, Func<HttpRequest, DurableTaskClient, Task<IActionResult>> function, string? ifNoneMatch = null, string query = "")
    {
        var context = new DefaultHttpContext { RequestServices = _requestServices };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = new PathString(path);
        context.Request.QueryString = new QueryString(query);
        if (ifNoneMatch is not null)
        {
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
        }

        context.Response.Body = new MemoryStream();
        var result = await function(context.Request, _client);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        return context;
    }

    private static byte[] Body(HttpContext context) => ((MemoryStream)context.Response.Body).ToArray();

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Serverless.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("Serverless.sln not found above the test output.");
    }

    public void Dispose()
    {
        _services.Dispose();
        _requestServices.Dispose();
    }
}
