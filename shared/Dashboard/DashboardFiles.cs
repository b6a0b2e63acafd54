using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Serverless.Dashboard;

/// <summary>
/// The dashboard's static files (<c>Dashboard/wwwroot</c>), embedded in this assembly so that both hosts serve the
/// same bytes without a content root on disk. Only names embedded at build time are served, so no request path can
/// reach anything else.
/// </summary>
public static class DashboardFiles
{
    public const string IndexFile = "index.html";

    // The LogicalName the shared csproj gives every embedded dashboard file.
    private const string ResourcePrefix = "dashboard/";

    private static readonly FrozenDictionary<string, DashboardFile> Files = Load();

    /// <summary>The names that can be served, such as <c>index.html</c> and <c>app.js</c>.</summary>
    public static IReadOnlyCollection<string> Names => Files.Keys;

    public static DashboardFile? Find(string name) => Files.GetValueOrDefault(name);

    /// <summary>
    /// GET /api/dashboard: the page. Without a trailing slash it redirects to <c>dashboard/</c> (keeping the query,
    /// which may hold the function key) so that the page's relative links resolve inside the folder.
    /// </summary>
    public static Task<IResult> ServePageAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value ?? string.Empty;
        if (!path.EndsWith('/'))
        {
            var folder = path[(path.LastIndexOf('/') + 1)..];
            return Task.FromResult(Results.Redirect(folder + "/" + request.QueryString.Value));
        }

        return ServeFileAsync(request, IndexFile);
    }

    /// <summary>
    /// GET /api/dashboard/{file}: one file, revalidated on every load by its ETag so a new deployment shows at once.
    /// The name is the path's last segment (both hosts hand handlers the route's <c>{id}</c> alone).
    /// </summary>
    public static Task<IResult> ServeFileAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value ?? string.Empty;
        return ServeFileAsync(request, Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]));
    }

    private static Task<IResult> ServeFileAsync(HttpRequest request, string name)
    {
        var file = Find(name);
        if (file is null)
        {
            return Task.FromResult(Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: $"The dashboard has no file '{name}'."));
        }

        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ETag = file.ETag.ToString();
        headers.XContentTypeOptions = "nosniff";
        var unchanged = request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(file.ETag, useStrongComparison: false));
        return Task.FromResult(unchanged ? Results.StatusCode(StatusCodes.Status304NotModified) : Results.Bytes(file.Content, file.ContentType));
    }

    private static FrozenDictionary<string, DashboardFile> Load()
    {
        var assembly = typeof(DashboardFiles).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource[ResourcePrefix.Length..];
            var contentType = types.TryGetContentType(name, out var type) ? type : "application/octet-stream";
            // Text files are UTF-8 in the repository; saying so spares the browser a guess.
            if (contentType.StartsWith("text/", StringComparison.Ordinal))
            {
                contentType += "; charset=utf-8";
            }

            var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..32] + "\"");
            files[name] = new DashboardFile(name, contentType, content, etag);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>One embedded file: its name in the folder, content type, bytes and strong ETag.</summary>
public sealed record DashboardFile(string Name, string ContentType, byte[] Content, EntityTagHeaderValue ETag);
