using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Serverless.Stages;

namespace Serverless.Functions;

/// <summary>Picks the GPU stage launcher and callback address from the app settings.</summary>
public static class StageLaunchers
{
    public const string ContainerAppsJob = "ContainerAppsJob";

    public static IStageLauncher From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var kind = configuration[AppSettings.ConfigurationKey(AppSettings.GpuLauncher)];
        var jobId = configuration[AppSettings.ConfigurationKey(AppSettings.GpuJobResourceId)];
        if (!string.Equals(kind, ContainerAppsJob, StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(jobId))
        {
            return new Unconfigured($"GPU stages need {AppSettings.GpuLauncher}={ContainerAppsJob} and {AppSettings.GpuJobResourceId} set to the Container Apps job's resource id (infra/ sets both). Locally, the serverless-local host runs GPU stages as processes.");
        }

        // DefaultAzureCredential reads AZURE_CLIENT_ID, so it picks the app's user-assigned identity.
        return new ContainerAppsJobLauncher(jobId, new DefaultAzureCredential());
    }

    public static StageCallbackOptions Callback(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var baseUrl = configuration[AppSettings.ConfigurationKey(AppSettings.GpuCallbackBaseUrl)];
        return new StageCallbackOptions(string.IsNullOrWhiteSpace(baseUrl) ? null : new Uri(baseUrl));
    }

    /// <summary>Fails a GPU stage at launch with what to configure, instead of failing the app at start-up.</summary>
    private sealed class Unconfigured(string reason) : IStageLauncher
    {
        public Task<StageExecution> StartAsync(StageLaunch launch, CancellationToken cancellationToken = default) => throw new StageLaunchException(reason);

        public Task<StageExecution?> FindAsync(string jobId, CancellationToken cancellationToken = default) => throw new StageLaunchException(reason);

        public Task<StageExecutionStatus> GetStatusAsync(StageExecution execution, CancellationToken cancellationToken = default) => throw new StageLaunchException(reason);

        public Task StopAsync(StageExecution execution, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
