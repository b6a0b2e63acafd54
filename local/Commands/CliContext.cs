using Microsoft.Extensions.Logging;
using Serverless.Local.Configuration;
using Serverless.Workloads;

namespace Serverless.Local.Commands;

/// <summary>What every command needs: the app's settings, its workloads and a logger factory.</summary>
public static class CliContext
{
    public static LocalHostOptions Options(LogLevel level, bool runWorker, string? httpUrl = null)
    {
        var settings = LocalSettings.Load(LocalSettings.FindAppRoot(Directory.GetCurrentDirectory()));
        // The engine logs every activity; SERVERLESS_ENGINE_LOGS=1 shows those lines too.
        var engineLevel = Environment.GetEnvironmentVariable("SERVERLESS_ENGINE_LOGS") == "1" ? level : LogLevel.Warning;
        var loggerFactory = LoggerFactory.Create(builder => builder
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(level)
            .AddFilter("DurableTask", engineLevel)
            .AddFilter("Microsoft.DurableTask", engineLevel)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter("Azure", LogLevel.Warning)
            .AddFilter(typeof(LocalHost).FullName, LogLevel.Information)); // "Installing Azurite", "Azurite started"
        return new LocalHostOptions(settings, blobs => new WorkloadCatalog(WorkloadCatalog.BuiltIn(blobs)), loggerFactory) { RunWorker = runWorker, HttpUrl = httpUrl };
    }
}
