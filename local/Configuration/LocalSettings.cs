using System.Globalization;
using Microsoft.Extensions.Configuration;
using Serverless.Api;

namespace Serverless.Local.Configuration;

/// <summary>The Durable Task settings from host.json's <c>extensions.durableTask</c>, named as Durable Functions names them.</summary>
public sealed record DurableSettings(
    string HubName,
    int PartitionCount,
    int MaxConcurrentActivityFunctions,
    int MaxConcurrentOrchestratorFunctions,
    bool ExtendedSessionsEnabled,
    TimeSpan MaxQueuePollingInterval,
    int ControlQueueBatchSize,
    TimeSpan WorkItemQueueVisibilityTimeout,
    TimeSpan ControlQueueVisibilityTimeout);

/// <summary>
/// What the local host reads, the way the Functions host reads it: host.json for durable settings, overridden
/// by <c>AzureFunctionsJobHost__{path}</c> environment variables (e.g. <c>AzureFunctionsJobHost__extensions__durableTask__hubName</c>),
/// and <c>AzureWebJobsStorage</c> from the environment first and local.settings.json's Values second.
/// </summary>
public sealed record LocalSettings(string AppRoot, string? StorageConnection, DurableSettings Durable, JobEngineOptions Engine)
{
    public const string StorageSetting = "AzureWebJobsStorage";

    /// <summary>The prefix of environment variables that override host.json values, as in Functions.</summary>
    public const string HostOverridePrefix = "AzureFunctionsJobHost__";

    /// <summary>The provider's default visibility timeout of dequeued queue messages.</summary>
    private static readonly TimeSpan DefaultVisibilityTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Azurite's state when the local host starts it itself (git-ignored).</summary>
    public string AzuriteLocation => Path.Combine(AppRoot, ".azurite");

    public static LocalSettings Load(string appRoot)
    {
        var host = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(appRoot, "host.json"), optional: true)
            .AddEnvironmentVariables(HostOverridePrefix)
            .Build();
        var values = new ConfigurationBuilder().AddJsonFile(Path.Combine(appRoot, "local.settings.json"), optional: true).Build();
        var storage = Environment.GetEnvironmentVariable(StorageSetting) ?? values[$"Values:{StorageSetting}"];

        var durable = host.GetSection("extensions:durableTask");
        var provider = durable.GetSection("storageProvider");
        var settings = new DurableSettings(
            durable["hubName"] ?? "ServerlessHub",
            Int(provider["partitionCount"], 4),
            Int(durable["maxConcurrentActivityFunctions"], 10 * Environment.ProcessorCount),
            Int(durable["maxConcurrentOrchestratorFunctions"], 10 * Environment.ProcessorCount),
            bool.TryParse(durable["extendedSessionsEnabled"], out var extended) && extended,
            Time(provider["maxQueuePollingInterval"], TimeSpan.FromSeconds(30)),
            Int(provider["controlQueueBatchSize"], 32),
            Time(provider["workItemQueueVisibilityTimeout"], DefaultVisibilityTimeout),
            Time(provider["controlQueueVisibilityTimeout"], DefaultVisibilityTimeout));
        var engine = JobEngineOptions.From(host.GetSection("serverless"));
        return new LocalSettings(appRoot, string.IsNullOrWhiteSpace(storage) ? null : storage, settings, engine);
    }

    /// <summary>The nearest folder at or above <paramref name="start"/> holding host.json: the app's root, as for func.</summary>
    public static string FindAppRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "host.json")))
            {
                return directory.FullName;
            }
        }

        throw new FileNotFoundException($"No host.json in {start} or any folder above it; run from the repository.");
    }

    private static TimeSpan Time(string? text, TimeSpan defaultValue) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : defaultValue;

    private static int Int(string? text, int defaultValue) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : defaultValue;
}
