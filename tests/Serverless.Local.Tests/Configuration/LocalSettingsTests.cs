using Serverless.Costs;
using Serverless.Local.Configuration;

namespace Serverless.Local.Tests.Configuration;

public sealed class LocalSettingsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("serverless-settings-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Load_HostJson_ReadsDurableSettingsAsFunctionsNamesThem()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), """
            { "version": "2.0", "extensions": { "durableTask": {
                "hubName": "MyHub", "maxConcurrentActivityFunctions": 7, "maxConcurrentOrchestratorFunctions": 3,
                "extendedSessionsEnabled": true,
                "storageProvider": { "partitionCount": 2, "controlQueueBatchSize": 16, "maxQueuePollingInterval": "00:00:02",
                  "workItemQueueVisibilityTimeout": "00:00:30", "controlQueueVisibilityTimeout": "00:00:45" } } },
              "serverless": { "shardsPerOrchestration": 25 } }
            """);

        var settings = LocalSettings.Load(_root);

        Assert.Equal(new DurableSettings("MyHub", 2, 7, 3, true, TimeSpan.FromSeconds(2), 16, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(45)), settings.Durable);
        Assert.Equal(25, settings.Engine.ShardsPerOrchestration);
    }

    [Fact]
    public void Load_HostJsonPrices_OverrideTheirDefaultsOnly()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), """
            { "version": "2.0", "serverless": { "prices": { "instanceMemoryMB": 4096, "perGpuSecond": 0.00102, "asOf": "2027-01-31" } } }
            """);

        var prices = LocalSettings.Load(_root).Engine.Prices;

        Assert.Equal(new CostPrices { InstanceMemoryMB = 4096, PerGpuSecond = 0.00102m, AsOf = "2027-01-31" }, prices);
    }

    [Fact]
    public void Load_NoVisibilityTimeouts_KeepsTheProvidersFiveMinutes()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), """{ "version": "2.0" }""");

        var durable = LocalSettings.Load(_root).Durable;

        Assert.Equal(TimeSpan.FromMinutes(5), durable.WorkItemQueueVisibilityTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), durable.ControlQueueVisibilityTimeout);
    }

    [Fact]
    public void Load_LocalSettingsJson_SuppliesStorageWhenEnvironmentHasNone()
    {
        File.WriteAllText(Path.Combine(_root, "local.settings.json"), """{ "IsEncrypted": false, "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true" } }""");

        var settings = LocalSettings.Load(_root);

        // CI and developer shells normally have no AzureWebJobsStorage; when one is set it must win.
        var expected = Environment.GetEnvironmentVariable(LocalSettings.StorageSetting) ?? "UseDevelopmentStorage=true";
        Assert.Equal(expected, settings.StorageConnection);
    }

    [Fact]
    public void FindAppRoot_FromNestedFolder_FindsFolderWithHostJson()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), "{}");
        var nested = Directory.CreateDirectory(Path.Combine(_root, "a", "b")).FullName;

        Assert.Equal(_root, LocalSettings.FindAppRoot(nested));
    }
}
