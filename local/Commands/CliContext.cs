using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Serverless.Local.Configuration;
using Serverless.Local.Storage;
using Serverless.Storage;
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
        return new LocalHostOptions(settings, Catalog, loggerFactory) { RunWorker = runWorker, HttpUrl = httpUrl };
    }

    /// <summary>
    /// A benchmark's storage: a fresh in-memory emulator unless storage is configured (null then), so the figures do not
    /// depend on what earlier runs left in .azurite (Azurite re-serialises its whole database as it grows).
    /// </summary>
    public static async Task<AzuriteProcess?> StartBenchStorageAsync(LocalHostOptions options, CancellationToken cancellationToken) =>
        options.Settings.StorageConnection is null
            ? await AzuriteProcess.StartAsync(options.Settings.AppRoot, location: null, options.LoggerFactory.CreateLogger("Azurite"), preferDefaultPorts: false, cancellationToken: cancellationToken).ConfigureAwait(false)
            : null;

    /// <summary>The names of the workloads <see cref="Options"/> registers, for help text.</summary>
    public static IEnumerable<string> WorkloadNames()
    {
        // Workloads touch storage only when a job runs, and a client connects only when called: naming them needs no Azurite.
        return Catalog(new BlobStore(new BlobServiceClient("UseDevelopmentStorage=true"))).Names;
    }

    private static WorkloadCatalog Catalog(IBlobStore blobs) => new(WorkloadCatalog.BuiltIn(blobs));
}
