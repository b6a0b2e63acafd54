using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

[Collection(MainTemplateCollection.Name)]
public sealed class GpuJobTemplateTests(MainTemplateFixture main)
{
    [Fact]
    public void Environment_HasAConsumptionAndAServerlessGpuProfile()
    {
        var environment = ArmTemplate.Single(main.Template, "Microsoft.App/managedEnvironments");
        var profiles = environment.Properties.GetProperty("workloadProfiles").EnumerateArray().ToArray();

        Assert.Equal(2, profiles.Length);
        Assert.Contains(profiles, profile => profile.GetProperty("workloadProfileType").GetString() == "Consumption");
        var gpu = Assert.Single(profiles, profile => profile.GetProperty("workloadProfileType").GetString() != "Consumption");
        Assert.Equal("[variables('gpuProfiles')[parameters('gpuProfile')].workloadProfileType]", gpu.GetProperty("workloadProfileType").GetString());
        var gpuProfiles = environment.Template.GetProperty("variables").GetProperty("gpuProfiles");
        Assert.Equal("Consumption-GPU-NC8as-T4", gpuProfiles.GetProperty("T4").GetProperty("workloadProfileType").GetString());
        Assert.Equal("Consumption-GPU-NC24-A100", gpuProfiles.GetProperty("A100").GetProperty("workloadProfileType").GetString());
    }

    [Fact]
    public void GpuProfileParameter_AllowsT4AndA100()
    {
        var gpuProfile = main.Template.GetProperty("parameters").GetProperty("gpuProfile");

        Assert.Equal(["T4", "A100"], gpuProfile.GetProperty("allowedValues").EnumerateArray().Select(value => value.GetString()));
        Assert.Equal("T4", gpuProfile.GetProperty("defaultValue").GetString());
        Assert.Equal("[parameters('gpuProfile')]", ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "gpujob"), "gpuProfile"));
    }

    [Fact]
    public void Job_IsManuallyTriggeredOnTheGpuProfile()
    {
        var environment = ArmTemplate.Single(main.Template, "Microsoft.App/managedEnvironments");
        var job = ArmTemplate.Single(main.Template, "Microsoft.App/jobs");
        var configuration = job.Properties.GetProperty("configuration");
        var gpuProfileName = environment.Properties.GetProperty("workloadProfiles").EnumerateArray()
            .Single(profile => profile.GetProperty("workloadProfileType").GetString() != "Consumption")
            .GetProperty("name").GetString();

        Assert.Equal("Manual", configuration.GetProperty("triggerType").GetString());
        Assert.Equal(gpuProfileName, job.Properties.GetProperty("workloadProfileName").GetString());
        Assert.Equal(1, configuration.GetProperty("manualTriggerConfig").GetProperty("parallelism").GetInt32());
        Assert.Equal(1, configuration.GetProperty("manualTriggerConfig").GetProperty("replicaCompletionCount").GetInt32());
        Assert.Equal("[parameters('replicaTimeoutSeconds')]", configuration.GetProperty("replicaTimeout").GetString());
        Assert.Equal("[parameters('replicaRetryLimit')]", configuration.GetProperty("replicaRetryLimit").GetString());
        Assert.Contains("'Microsoft.App/managedEnvironments'", job.PropertyString("environmentId"), StringComparison.Ordinal);
    }

    [Fact]
    public void Job_RunsAsTheSameIdentityAsTheFunctionApp()
    {
        var job = ArmTemplate.Single(main.Template, "Microsoft.App/jobs");
        var site = ArmTemplate.Single(main.Template, "Microsoft.Web/sites");

        foreach (var resource in new[] { job, site })
        {
            var identity = resource.Element.GetProperty("identity");
            Assert.Equal("UserAssigned", identity.GetProperty("type").GetString());
            var assigned = Assert.Single(identity.GetProperty("userAssignedIdentities").EnumerateObject());
            Assert.Contains("parameters('identityId')", assigned.Name, StringComparison.Ordinal);
        }

        var jobIdentity = ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "gpujob"), "identityId");
        Assert.Equal(jobIdentity, ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "functionapp"), "identityId"));
        Assert.Contains("'identity'", jobIdentity, StringComparison.Ordinal);
        Assert.Contains("outputs.id", jobIdentity, StringComparison.Ordinal);
    }

    [Fact]
    public void Job_HasOneGpuStageContainerWithTheSharedEnvironmentOnly()
    {
        var job = ArmTemplate.Single(main.Template, "Microsoft.App/jobs");
        var container = Assert.Single(job.Properties.GetProperty("template").GetProperty("containers").EnumerateArray());
        var environment = container.GetProperty("env").EnumerateArray()
            .ToDictionary(variable => variable.GetProperty("name").GetString()!, variable => variable.GetProperty("value").GetString()!, StringComparer.Ordinal);

        Assert.Equal("gpu-stage", container.GetProperty("name").GetString());
        Assert.Equal("[parameters('image')]", container.GetProperty("image").GetString());
        Assert.Equal("[parameters('blobEndpoint')]", environment["AzureWebJobsStorage__blobServiceUri"]);
        Assert.Equal("[parameters('identityClientId')]", environment["AZURE_CLIENT_ID"]);
        Assert.Equal("auto", environment["STAGE_ACCELERATOR"]);
        // Per-execution values are added by the launcher when it starts an execution.
        Assert.DoesNotContain(environment.Keys, name => name.StartsWith("STAGE_", StringComparison.Ordinal) && name != "STAGE_ACCELERATOR");
    }
}
