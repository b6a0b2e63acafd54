using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Serverless.Local.Configuration;
using Serverless.Local.Engine;
using Serverless.Local.Http;
using Serverless.Local.Stages;
using Serverless.Local.Storage;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Local;

/// <summary>
/// What to start: the worker (processes jobs) and/or the HTTP API, against which settings, with which
/// workloads (made once the host's blob store exists, since some read and write blobs).
/// </summary>
public sealed record LocalHostOptions(LocalSettings Settings, Func<IBlobStore, WorkloadCatalog> Workloads, ILoggerFactory LoggerFactory)
{
    public bool RunWorker { get; init; } = true;

    /// <summary>e.g. http://127.0.0.1:7071 (port 0 picks a free one); null serves no HTTP.</summary>
    public string? HttpUrl { get; init; }

    /// <summary>What a GPU stage execution runs as a child process.</summary>
    public LocalStageCommand StageCommand { get; init; } = LocalStageCommand.Default;

    /// <summary>
    /// With the worker: how often the <c>batches</c> container is scanned for new blobs to start as jobs (Azurite
    /// has no Event Grid to push them); null disables the scan.
    /// </summary>
    public TimeSpan? BatchScanInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>With the worker: how often finished jobs past their retention are purged; null (the default) never.</summary>
    public TimeSpan? RetentionInterval { get; init; }

    /// <summary>
    /// Counts every request of this host's storage clients (the engine's, the blob store's, the job index's); null
    /// (the default) adds nothing to their pipelines. GPU stage processes use their own clients and are not counted.
    /// </summary>
    public StorageRequestCounter? StorageRequests { get; init; }
}

/// <summary>
/// The local host: storage (Azurite, started here when no connection is configured), the durable engine,
/// and the HTTP API, disposed in reverse order.
/// </summary>
public sealed class LocalHost : IAsyncDisposable
{
    private readonly AzuriteProcess? _azurite;
    private readonly WebApplication? _web;

    private LocalHost(string connectionString, AzuriteProcess? azurite, LocalEngine engine, WebApplication? web)
    {
        ConnectionString = connectionString;
        _azurite = azurite;
        Engine = engine;
        _web = web;
        BaseAddress = web is null ? null : LocalApi.BoundAddress(web);
    }

    public string ConnectionString { get; }

    public LocalEngine Engine { get; }

    public Uri? BaseAddress { get; }

    public static async Task<LocalHost> StartAsync(LocalHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = options.LoggerFactory.CreateLogger<LocalHost>();
        var (connectionString, azurite) = await ResolveStorageAsync(options.Settings, logger).ConfigureAwait(false);
        LocalEngine? engine = null;
        try
        {
            // The port is fixed before the engine starts: GPU stage executions are told where to call back.
            var httpUrl = options.HttpUrl is null ? null : LocalApi.WithFreePort(options.HttpUrl);
            engine = await LocalEngine.StartAsync(options, connectionString, httpUrl is null ? null : new Uri(httpUrl)).ConfigureAwait(false);
            var web = httpUrl is null ? null : await LocalApi.StartAsync(httpUrl, engine.Jobs, options.LoggerFactory).ConfigureAwait(false);
            return new LocalHost(connectionString, azurite, engine, web);
        }
        catch
        {
            if (engine is not null)
            {
                await engine.DisposeAsync().ConfigureAwait(false);
            }

            if (azurite is not null)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>The blob's URL on the configured storage account, for printing.</summary>
    public string BlobUrl(string path)
    {
        var service = new Azure.Storage.Blobs.BlobServiceClient(ConnectionString);
        return $"{service.Uri.ToString().TrimEnd('/')}/{path}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.StopAsync().ConfigureAwait(false);
            await _web.DisposeAsync().ConfigureAwait(false);
        }

        await Engine.DisposeAsync().ConfigureAwait(false);
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// As Functions does: a configured AzureWebJobsStorage wins. With none, or with UseDevelopmentStorage=true,
    /// the emulator on the default ports is used: the one already listening there (another local host's,
    /// say, so several hosts share one task hub), or else one started here with its state under .azurite/.
    /// </summary>
    private static async Task<(string, AzuriteProcess?)> ResolveStorageAsync(LocalSettings settings, ILogger logger)
    {
        var configured = settings.StorageConnection;
        var wantsEmulator = configured is null || configured.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase);
        if (!wantsEmulator)
        {
            return (configured!, null);
        }

        if (AzuriteProcess.DefaultPortsInUse())
        {
            return (AzuriteProcess.ConnectionStringFor(AzuriteProcess.DefaultPorts), null);
        }

        var azurite = await AzuriteProcess.StartAsync(settings.AppRoot, settings.AzuriteLocation, logger).ConfigureAwait(false);
        return (azurite.ConnectionString, azurite);
    }
}
