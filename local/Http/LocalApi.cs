using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Net;
using System.Net.Sockets;
using Serverless.Api;

namespace Serverless.Local.Http;

/// <summary>
/// Serves the same routes as the Functions app (<c>/api/jobs...</c>, <c>/api/dashboard</c>) through the shared handlers.
/// Like <c>func start</c>, it does not ask for function keys locally.
/// </summary>
public static class LocalApi
{
    public static async Task<WebApplication> StartAsync(string url, JobService jobs, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Services.AddSingleton(loggerFactory);
        builder.Logging.ClearProviders();
        var app = builder.Build();

        foreach (var route in JobRoutes.All)
        {
            app.MapMethods("/api/" + route.Template, [route.Method], (HttpRequest request) =>
                route.Handle(request, jobs, request.RouteValues.TryGetValue("id", out var id) ? id as string ?? string.Empty : string.Empty));
        }

        // The host's root is the dashboard, as an operator opening the bare address expects.
        app.MapGet("/", () => Results.Redirect("/api/" + JobRoutes.Dashboard + "/"));

        app.MapGet("/api/health", () => Results.Ok(new { status = "Healthy" }));

        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    /// <summary>The URL with port 0 replaced by a port that is free now.</summary>
    public static string WithFreePort(string url)
    {
        var uri = new Uri(url);
        if (uri.Port != 0)
        {
            return url;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return new UriBuilder(uri) { Port = port }.Uri.ToString().TrimEnd('/');
    }

    /// <summary>The address actually bound (port 0 in the URL picks a free one).</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }
}
