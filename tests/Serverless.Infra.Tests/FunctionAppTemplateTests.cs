using System.Reflection;
using System.Text.Json;
using Serverless.Functions;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

[Collection(MainTemplateCollection.Name)]
public sealed class FunctionAppTemplateTests(MainTemplateFixture main)
{
    [Fact]
    public void Plan_IsFlexConsumption()
    {
        var plan = ArmTemplate.Single(main.Template, "Microsoft.Web/serverfarms");
        var sku = plan.Element.GetProperty("sku");

        Assert.Equal("FC1", sku.GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", sku.GetProperty("tier").GetString());
    }

    [Fact]
    public void Site_IsALinuxFunctionAppWithFunctionAppConfig()
    {
        var site = ArmTemplate.Single(main.Template, "Microsoft.Web/sites");
        var config = site.Properties.GetProperty("functionAppConfig");

        Assert.Equal("functionapp,linux", site.Element.GetProperty("kind").GetString());
        Assert.True(string.CompareOrdinal(site.Element.GetProperty("apiVersion").GetString(), "2024-04-01") >= 0, "functionAppConfig needs Microsoft.Web 2024-04-01 or later.");
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("[parameters('maximumInstanceCount')]", config.GetProperty("scaleAndConcurrency").GetProperty("maximumInstanceCount").GetString());
        Assert.Equal("[parameters('instanceMemoryMB')]", config.GetProperty("scaleAndConcurrency").GetProperty("instanceMemoryMB").GetString());
        Assert.Equal("[parameters('functionMaximumInstanceCount')]", ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "functionapp"), "maximumInstanceCount"));
        Assert.Equal("[parameters('functionInstanceMemoryMB')]", ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "functionapp"), "instanceMemoryMB"));
    }

    [Fact]
    public void Site_DeploysFromTheAppPackageContainerWithTheIdentity()
    {
        var site = ArmTemplate.Single(main.Template, "Microsoft.Web/sites");
        var storage = site.Properties.GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage");
        var authentication = storage.GetProperty("authentication");

        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        Assert.Equal("UserAssignedIdentity", authentication.GetProperty("type").GetString());
        Assert.Equal("[parameters('identityId')]", authentication.GetProperty("userAssignedIdentityResourceId").GetString());
        // The URL comes from the storage module, which builds it from the app-package container.
        Assert.Equal("[parameters('deploymentContainerUrl')]", storage.GetProperty("value").GetString());
        Assert.Contains("'storage'", ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "functionapp"), "deploymentContainerUrl"), StringComparison.Ordinal);
        var storageModule = ArmTemplate.Module(main.Template, "storage");
        var url = storageModule.Properties.GetProperty("template").GetProperty("outputs").GetProperty("appPackageContainerUrl").GetProperty("value").GetString();
        Assert.Contains("'app-package'", url, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_UseIdentityBasedHostStorage()
    {
        var settings = AppSettingsOf(main.Template);

        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("[parameters('identityClientId')]", settings["AzureWebJobsStorage__clientId"]);
        Assert.Contains("primaryEndpoints.blob", settings["AzureWebJobsStorage__blobServiceUri"], StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.queue", settings["AzureWebJobsStorage__queueServiceUri"], StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.table", settings["AzureWebJobsStorage__tableServiceUri"], StringComparison.Ordinal);
        Assert.DoesNotContain(settings.Keys, name => string.Equals(name, "AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase));
        Assert.All(settings, setting =>
        {
            Assert.DoesNotContain("AccountKey=", setting.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", setting.Value, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public void AppSettings_SendTelemetryWithEntraAuthentication()
    {
        var settings = AppSettingsOf(main.Template);
        var insights = ArmTemplate.Single(main.Template, "Microsoft.Insights/components").Properties;

        Assert.Contains("ConnectionString", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], StringComparison.Ordinal);
        Assert.Equal("[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.True(insights.GetProperty("DisableLocalAuth").GetBoolean());
        Assert.Contains("Microsoft.OperationalInsights/workspaces", insights.GetProperty("WorkspaceResourceId").GetString(), StringComparison.Ordinal);
        Assert.Single(ArmTemplate.OfType(main.Template, "Microsoft.OperationalInsights/workspaces"));
    }

    [Fact]
    public void AppSettings_PointTheGpuLauncherAtTheJobAndTheAppItself()
    {
        var settings = AppSettingsOf(main.Template);

        Assert.Equal("ContainerAppsJob", settings[AppSettings.GpuLauncher]);
        Assert.Equal("[parameters('gpuJobId')]", settings[AppSettings.GpuJobResourceId]);
        Assert.Contains("'gpujob'", ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "functionapp"), "gpuJobId"), StringComparison.Ordinal);
        Assert.Contains("outputs.jobId", ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "functionapp"), "gpuJobId"), StringComparison.Ordinal);
        Assert.StartsWith("[format('https://{0}', reference(resourceId('Microsoft.Web/sites'", settings[AppSettings.GpuCallbackBaseUrl], StringComparison.Ordinal);
        Assert.EndsWith(".defaultHostName)]", settings[AppSettings.GpuCallbackBaseUrl], StringComparison.Ordinal);
        Assert.Equal("[parameters('identityClientId')]", settings[AppSettings.AzureClientId]);
    }

    [Fact]
    public void AppSettings_IncludeEverySettingTheAppReads()
    {
        var names = typeof(AppSettings)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToArray();
        var settings = AppSettingsOf(main.Template);

        Assert.Contains(AppSettings.BlobServiceUri, names); // the reflection sees the class's constants
        Assert.All(names, name => Assert.True(settings.ContainsKey(name), $"infra/ does not set the app setting {name} (Serverless.Functions.AppSettings)."));
    }

    /// <summary>
    /// The Function App's settings by name: siteConfig.appSettings of the site and the sites/config 'appsettings'
    /// resource (where functionapp.bicep keeps them), values as compiled (literals or ARM expressions).
    /// </summary>
    internal static Dictionary<string, string> AppSettingsOf(JsonElement template)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var site in ArmTemplate.OfType(template, "Microsoft.Web/sites"))
        {
            if (site.Properties.TryGetProperty("siteConfig", out var siteConfig) && siteConfig.TryGetProperty("appSettings", out var appSettings))
            {
                foreach (var setting in appSettings.EnumerateArray())
                {
                    settings.Add(setting.GetProperty("name").GetString()!, setting.GetProperty("value").ToString());
                }
            }
        }

        foreach (var config in ArmTemplate.OfType(template, "Microsoft.Web/sites/config").Where(config => ArmTemplate.LastLiteral(config.Name) == "appsettings"))
        {
            foreach (var setting in config.Properties.EnumerateObject())
            {
                settings.Add(setting.Name, setting.Value.ToString());
            }
        }

        Assert.NotEmpty(settings);
        return settings;
    }
}
