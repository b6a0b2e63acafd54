using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace Serverless.Functions;

/// <summary>
/// The blob client for the app's own storage, configured the way the Functions host configures
/// AzureWebJobsStorage: a connection string, or (identity-based) <c>AzureWebJobsStorage__blobServiceUri</c>.
/// </summary>
public static class StorageClients
{
    public static BlobServiceClient BlobService(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration["AzureWebJobsStorage"];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new BlobServiceClient(connectionString);
        }

        var serviceUri = configuration[AppSettings.ConfigurationKey(AppSettings.BlobServiceUri)]
            ?? throw new InvalidOperationException($"Set AzureWebJobsStorage (a connection string) or {AppSettings.BlobServiceUri}.");
        var clientId = configuration[AppSettings.ConfigurationKey(AppSettings.StorageClientId)];
        var credential = string.IsNullOrEmpty(clientId)
            ? new DefaultAzureCredential()
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
        return new BlobServiceClient(new Uri(serviceUri), credential);
    }
}
