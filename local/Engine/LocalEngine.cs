using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Api;
using Serverless.Batches;
using Serverless.Costs;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Local.Batches;
using Serverless.Local.Configuration;
using Serverless.Local.Stages;
using Serverless.Local.Storage;
using Serverless.Stages;
using Serverless.Orchestration;
using Serverless.Storage;
using Serverless.Workloads;

namespace Serverless.Local.Engine;

/// <summary>
/// The stand-in for the Functions host's durable runtime: the Durable Task engine with the Azure Storage
/// provider (the Durable Functions default) running the shared orchestrator and activity classes unchanged,
/// through the SDK's shims. Several processes with the same task hub share its work.
/// </summary>
public sealed class LocalEngine : IAsyncDisposable
{
    private readonly AzureStorageOrchestrationService _service;
    private readonly LocalProcessLauncher _launcher;
    private readonly TableJobIndex _index;
    private TaskHubWorker? _worker;
    private IReadOnlyList<PeriodicLoop> _loops;

    private LocalEngine(AzureStorageOrchestrationService service, IJobEngine engine, TableJobIndex index, JobService jobs, TaskHubWorker? worker, LocalProcessLauncher launcher, IBlobStore blobs, IReadOnlyList<PeriodicLoop> loops)
    {
        _service = service;
        Engine = engine;
        _index = index;
        Jobs = jobs;
        _worker = worker;
        _launcher = launcher;
        Blobs = blobs;
        _loops = loops;
    }

    /// <summary>The task hub's instances, one at a time (what <see cref="Jobs"/> is built on).</summary>
    public IJobEngine Engine { get; }

    public JobService Jobs { get; }

    public IBlobStore Blobs { get; }

    /// <summary>
    /// Connects to the task hub, creating it if needed; with <see cref="LocalHostOptions.RunWorker"/> also
    /// processes its work. GPU stage executions run as local processes that call back to <paramref name="callbackBase"/>.
    /// </summary>
    public static async Task<LocalEngine> StartAsync(LocalHostOptions options, string connectionString, Uri? callbackBase)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (settings, loggerFactory) = (options.Settings, options.LoggerFactory);
        var counter = options.StorageRequests;
        var service = new AzureStorageOrchestrationService(ToServiceSettings(settings.Durable, connectionString, counter, loggerFactory));
        await service.CreateIfNotExistsAsync().ConfigureAwait(false);

        var blobs = new BlobStore(new BlobServiceClient(connectionString, UsageScope.CountIn(Counted(new BlobClientOptions(), StorageService.Blob, counter))));
        var workloads = options.Workloads(blobs);
        var engine = new TaskHubEngine(service, JsonDataConverter.Default);
        var index = new TableJobIndex(new TableServiceClient(connectionString, Counted(new TableClientOptions(), StorageService.Table, counter)), settings.Durable.HubName);
        var launcher = new LocalProcessLauncher(blobs, connectionString, options.StageCommand);
        var jobs = new JobService(engine, index, blobs, new JobSpecParser(workloads), settings.Engine, TimeProvider.System, launcher);

        TaskHubWorker? worker = null;
        if (options.RunWorker)
        {
            worker = new TaskHubWorker(service, loggerFactory);
            var stages = new StageServices(launcher, new StageCallbackOptions(callbackBase));
            Register(worker, new DurableTaskShimFactory(new DurableTaskWorkerOptions(), loggerFactory), workloads, blobs, stages, settings.Engine.Prices);
            await worker.StartAsync().ConfigureAwait(false);
        }

        // Background loops of a worker: batches (Azurite has no Event Grid) and retention.
        var loops = new List<PeriodicLoop>();
        if (options.RunWorker && options.BatchScanInterval is { } scanInterval)
        {
            var batchStore = new BatchStore(blobs);
            var batches = new BatchService(jobs, batchStore, TimeProvider.System, loggerFactory.CreateLogger<BatchService>());
            loops.Add(new BatchWatcher(batches, batchStore, scanInterval, loggerFactory.CreateLogger<BatchWatcher>()));
        }

        if (options.RunWorker && options.RetentionInterval is { } retentionInterval)
        {
            loops.Add(new RetentionLoop(jobs, retentionInterval, loggerFactory.CreateLogger<RetentionLoop>()));
        }

        foreach (var loop in loops)
        {
            await loop.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return new LocalEngine(service, engine, index, jobs, worker, launcher, blobs, loops);
    }

    /// <summary>Stops the worker, then deletes the task hub's queues, tables and leases, and its job index (a benchmark's scratch hub).</summary>
    public async Task DeleteTaskHubAsync()
    {
        await StopWorkerAsync().ConfigureAwait(false);
        await _service.DeleteAsync().ConfigureAwait(false);
        await _index.DeleteAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync().ConfigureAwait(false);
        await _launcher.DisposeAsync().ConfigureAwait(false);
    }

    private async Task StopWorkerAsync()
    {
        // The loops stop first, so no job is started or purged while the worker is going away.
        foreach (var loop in _loops)
        {
            await loop.StopAsync(CancellationToken.None).ConfigureAwait(false);
            loop.Dispose();
        }

        _loops = [];

        if (_worker is not null)
        {
            await _worker.StopAsync(isForced: true).ConfigureAwait(false);
            _worker.Dispose();
            _worker = null;
        }
    }

    /// <summary>
    /// Registers <see cref="JobTasks"/> under the names the Functions app's [Function] wrappers use, so both hosts
    /// share one task hub format; the activities are built by the same DI registration as the Functions app's.
    /// </summary>
    private static void Register(TaskHubWorker worker, DurableTaskShimFactory shims, WorkloadCatalog workloads, IBlobStore blobs, StageServices stages, CostPrices prices)
    {
        // Lives as long as the worker: the activities are its singletons, the orchestrators are made from it per
        // execution. Nothing in it is disposable.
        var provider = new ServiceCollection()
            .AddSingleton(workloads)
            .AddSingleton(blobs)
            .AddSingleton(stages.Launcher)
            .AddSingleton(stages.Callback)
            .AddSingleton(TimeProvider.System)
            .AddSingleton(prices)
            .AddJobActivities()
            .BuildServiceProvider();
        worker.AddTaskOrchestrations(JobTasks.Orchestrators
            .Select(type => Orchestration(shims, JobTasks.NameOf(type), () => (ITaskOrchestrator)ActivatorUtilities.CreateInstance(provider, type)))
            .ToArray());
        // Resolved now, so a missing dependency stops the engine at start rather than failing a job.
        worker.AddTaskActivities(JobTasks.Activities
            .Select(type => Activity(shims, JobTasks.NameOf(type), (ITaskActivity)provider.GetRequiredService(type)))
            .ToArray());
    }

    private sealed record StageServices(IStageLauncher Launcher, StageCallbackOptions Callback);

    private static FactoryCreator<TaskOrchestration> Orchestration(DurableTaskShimFactory shims, string name, Func<ITaskOrchestrator> create) =>
        new(name, () => shims.CreateOrchestration(new TaskName(name), create()));

    private static FactoryCreator<DurableTask.Core.TaskActivity> Activity(DurableTaskShimFactory shims, string name, ITaskActivity activity) =>
        new(name, () => shims.CreateActivity(new TaskName(name), activity));

    private static T Counted<T>(T options, StorageService service, StorageRequestCounter? counter)
        where T : ClientOptions => counter is null ? options : counter.AddTo(options, service);

    /// <summary>
    /// The provider's settings, from host.json's durable ones. Its clients get options of their own: the provider
    /// adds its own policies to the options it is given.
    /// </summary>
    private static AzureStorageOrchestrationServiceSettings ToServiceSettings(DurableSettings durable, string connectionString, StorageRequestCounter? counter, ILoggerFactory loggerFactory) => new()
    {
        StorageAccountClientProvider = new StorageAccountClientProvider(
            StorageServiceClientProvider.ForBlob(connectionString, Counted(new BlobClientOptions(), StorageService.Blob, counter)),
            StorageServiceClientProvider.ForQueue(connectionString, Counted(new QueueClientOptions(), StorageService.Queue, counter)),
            StorageServiceClientProvider.ForTable(connectionString, Counted(new TableClientOptions(), StorageService.Table, counter))),
        TaskHubName = durable.HubName,
        PartitionCount = durable.PartitionCount,
        MaxConcurrentTaskActivityWorkItems = durable.MaxConcurrentActivityFunctions,
        MaxConcurrentTaskOrchestrationWorkItems = durable.MaxConcurrentOrchestratorFunctions,
        ExtendedSessionsEnabled = durable.ExtendedSessionsEnabled,
        MaxQueuePollingInterval = durable.MaxQueuePollingInterval,
        ControlQueueBatchSize = durable.ControlQueueBatchSize,
        // How long a dequeued message stays invisible: what a crashed worker's work waits before another takes it.
        // A running activity's lock is renewed by the dispatcher, so a longer shard is not handed out twice.
        WorkItemQueueVisibilityTimeout = durable.WorkItemQueueVisibilityTimeout,
        ControlQueueVisibilityTimeout = durable.ControlQueueVisibilityTimeout,
        WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}",
        // A start refused for an existing id must say so (batches count on it), not be dropped silently.
        ThrowExceptionOnInvalidDedupeStatus = true,
        LoggerFactory = loggerFactory,
    };

    /// <summary>A fresh orchestration object per execution (the shims keep per-run state).</summary>
    private sealed class FactoryCreator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public FactoryCreator(string name, Func<T> create)
        {
            Name = name;
            Version = string.Empty;
            _create = create;
        }

        public override T Create() => _create();
    }
}
