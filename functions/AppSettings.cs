namespace Serverless.Functions;

/// <summary>
/// The app settings this app reads when it runs in Azure. infra/ sets every one of them (a test
/// checks), so a name lives here and nowhere else in the app's code.
/// </summary>
public static class AppSettings
{
    /// <summary>Identity-based host storage: the blob endpoint of the app's storage account.</summary>
    public const string BlobServiceUri = "AzureWebJobsStorage__blobServiceUri";

    /// <summary>Identity-based host storage: the table endpoint (the Durable provider's tables and the job index).</summary>
    public const string TableServiceUri = "AzureWebJobsStorage__tableServiceUri";

    /// <summary>Client id of the user-assigned identity the app uses for storage.</summary>
    public const string StorageClientId = "AzureWebJobsStorage__clientId";

    /// <summary>Client id that <c>DefaultAzureCredential</c> picks for ARM calls (starting GPU executions).</summary>
    public const string AzureClientId = "AZURE_CLIENT_ID";

    /// <summary><c>ContainerAppsJob</c> in Azure; <c>LocalProcess</c> runs the stage program as a child process.</summary>
    public const string GpuLauncher = "GpuStage__Launcher";

    /// <summary>ARM resource id of the Container Apps Job that runs GPU stages.</summary>
    public const string GpuJobResourceId = "GpuStage__JobResourceId";

    /// <summary>Public base URL of this app (https://host), where a GPU execution posts its completion.</summary>
    public const string GpuCallbackBaseUrl = "GpuStage__CallbackBaseUrl";

    /// <summary>The key <see cref="Microsoft.Extensions.Configuration.IConfiguration"/> uses for an app setting name.</summary>
    public static string ConfigurationKey(string appSetting)
    {
        ArgumentNullException.ThrowIfNull(appSetting);
        return appSetting.Replace("__", ":", StringComparison.Ordinal);
    }
}
