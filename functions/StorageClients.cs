using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Serverless.Costs;
using Serverless.Storage;

namespace Serverless.Functions;

/// <summary>
/// The clients for the app's own storage, configured the way the Functions host configures
/// AzureWebJobsStorage: a connection string, or (identity-based) the per-service URIs.
/// </summary>
public static class StorageClients
{
    /// <summary>The task hub's name, which the job index's table is named after (host.json, as the Durable extension reads it).</summary>
    private const string HubNameKey = "extensions:durableTask:hubName";

    /// <summary>The blob client of the app's own blob store, which counts each activity call's requests (<see cref="UsageScope"/>).</summary>
    public static BlobServiceClient BlobService(IConfiguration configuration) =>
        Create(
            configuration,
            AppSettings.BlobServiceUri,
            connection => new BlobServiceClient(connection, UsageScope.CountIn(new BlobClientOptions())),
            (uri, credential) => new BlobServiceClient(uri, credential, UsageScope.CountIn(new BlobClientOptions())));

    public static TableJobIndex JobIndex(IConfiguration configuration)
    {
        var tables = Create(configuration, AppSettings.TableServiceUri, connection => new TableServiceClient(connection), (uri, credential) => new TableServiceClient(uri, credential));
        var hubName = configuration[HubNameKey] ?? throw new InvalidOperationException($"host.json sets no {HubNameKey}.");
        return new TableJobIndex(tables, hubName);
    }

    private static T Create<T>(IConfiguration configuration, string serviceUriSetting, Func<string, T> fromConnectionString, Func<Uri, TokenCredential, T> fromIdentity)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration["AzureWebJobsStorage"];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return fromConnectionString(connectionString);
        }

        var serviceUri = configuration[AppSettings.ConfigurationKey(serviceUriSetting)]
            ?? throw new InvalidOperationException($"Set AzureWebJobsStorage (a connection string) or {serviceUriSetting}.");
        var clientId = configuration[AppSettings.ConfigurationKey(AppSettings.StorageClientId)];
        var credential = string.IsNullOrEmpty(clientId)
            ? new DefaultAzureCredential()
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
        return fromIdentity(new Uri(serviceUri), credential);
    }
}
