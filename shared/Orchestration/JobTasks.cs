using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Orchestration.Activities;
using Serverless.Storage;

namespace Serverless.Orchestration;

/// <summary>
/// The job's durable orchestrators and activities, listed once: every host registers these, under the names
/// the orchestrators call them by, so the Functions app, the local engine and the test hosts cannot drift apart.
/// </summary>
public static class JobTasks
{
    public static IReadOnlyList<Type> Orchestrators { get; } =
    [
        typeof(JobOrchestrator),
        typeof(ShardRangeOrchestrator),
    ];

    public static IReadOnlyList<Type> Activities { get; } =
    [
        typeof(StoreSpecActivity),
        typeof(RunShardsActivity),
        typeof(ReduceShardsActivity),
        typeof(MergeRangesActivity),
        typeof(FindRangeActivity),
        typeof(FinishJobActivity),
        typeof(PlanItemsActivity),
        typeof(StartGpuStageActivity),
        typeof(GpuStageStatusActivity),
        typeof(StopGpuStageActivity),
        typeof(CheckGpuStageOutputActivity),
    ];

    /// <summary>A task's name is its type's name: what <c>nameof</c> gives the orchestrators and the [Function] wrappers.</summary>
    public static string NameOf(Type task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Name;
    }

    /// <summary>
    /// Registers every activity class and the reducer they share, as singletons. The host supplies what they
    /// need from outside: WorkloadCatalog, IBlobStore, IStageLauncher, StageCallbackOptions, TimeProvider and CostPrices.
    /// </summary>
    public static IServiceCollection AddJobActivities(this IServiceCollection services)
    {
        services.AddSingleton<RangeReducer>();
        services.AddSingleton<JobDocuments>();
        foreach (var activity in Activities)
        {
            services.AddSingleton(activity);
        }

        return services;
    }

    /// <summary>
    /// Adds every orchestrator and activity to a Durable Task worker's registry; activities come from the
    /// registry's service provider, so call <see cref="AddJobActivities"/> on its services too.
    /// </summary>
    public static DurableTaskRegistry AddJobTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var orchestrator in Orchestrators)
        {
            registry.AddOrchestrator(NameOf(orchestrator), orchestrator);
        }

        foreach (var activity in Activities)
        {
            registry.AddActivity(NameOf(activity), activity);
        }

        return registry;
    }
}
