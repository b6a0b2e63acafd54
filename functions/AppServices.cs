using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Api;
using Serverless.Batches;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Functions;

/// <summary>
/// Everything the app's functions are built from, registered in one place, so a test can build the same
/// graph and check every function class resolves (a missing registration otherwise shows only in Azure).
/// </summary>
public static class AppServices
{
    /// <summary>Registers the app's services; they read storage and settings from <see cref="IConfiguration"/> when first resolved.</summary>
    public static IServiceCollection AddServerless(this IServiceCollection services)
    {
        services.AddSingleton(provider => new WorkloadCatalog(WorkloadCatalog.BuiltIn(provider.GetRequiredService<IBlobStore>())));
        services.AddSingleton<JobSpecParser>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(provider => JobEngineOptions.From(provider.GetRequiredService<IConfiguration>().GetSection("serverless")));
        services.AddSingleton(provider => provider.GetRequiredService<JobEngineOptions>().Prices);
        services.AddSingleton(provider => new BlobStore(StorageClients.BlobService(provider.GetRequiredService<IConfiguration>())));
        services.AddSingleton<IBlobStore>(provider => provider.GetRequiredService<BlobStore>());
        services.AddSingleton<IJobIndex>(provider => StorageClients.JobIndex(provider.GetRequiredService<IConfiguration>()));
        services.AddSingleton<JobServices>();
        services.AddSingleton<IBatchStore, BatchStore>();
        services.AddSingleton(provider => StageLaunchers.From(provider.GetRequiredService<IConfiguration>()));
        services.AddSingleton(provider => StageLaunchers.Callback(provider.GetRequiredService<IConfiguration>()));
        services.AddJobActivities();
        services.AddSingleton<GpuStageActivities>();
        return services;
    }
}
