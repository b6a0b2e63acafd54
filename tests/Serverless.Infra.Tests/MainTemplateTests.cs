using System.Text.RegularExpressions;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

[Collection(MainTemplateCollection.Name)]
public sealed partial class MainTemplateTests(MainTemplateFixture main)
{
    [Fact]
    public void Main_DeploysAtSubscriptionScopeIntoItsOwnResourceGroup()
    {
        Assert.Contains("subscriptionDeploymentTemplate.json", main.Template.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        Assert.Single(ArmTemplate.OfType(main.Template, "Microsoft.Resources/resourceGroups"));
    }

    [Fact]
    public void Names_DeriveFromTheResourceToken()
    {
        Assert.Equal(
            "[toLower(uniqueString(subscription().id, parameters('environmentName'), parameters('location')))]",
            main.Template.GetProperty("variables").GetProperty("resourceToken").GetString());
        Assert.Contains("variables('resourceToken')", ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "storage"), "name"), StringComparison.Ordinal);
        Assert.Contains("variables('resourceToken')", ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "functionapp"), "appName"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_ExposeTheCostKnobsWithDescriptions()
    {
        var parameters = main.Template.GetProperty("parameters");

        foreach (var name in new[] { "environmentName", "location", "gpuProfile", "gpuJobImage", "gpuJobReplicaTimeoutSeconds", "gpuJobReplicaRetryLimit", "functionMaximumInstanceCount", "functionInstanceMemoryMB", "logRetentionInDays" })
        {
            Assert.True(parameters.TryGetProperty(name, out var parameter), $"main.bicep has no parameter {name}.");
            Assert.True(parameter.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("description", out _), $"Parameter {name} has no description.");
        }

        Assert.Equal(
            [512, 2048, 4096],
            parameters.GetProperty("functionInstanceMemoryMB").GetProperty("allowedValues").EnumerateArray().Select(value => value.GetInt32()));
    }

    [Fact]
    public void Outputs_HoldNoSecrets()
    {
        var outputs = ArmTemplate.Outputs(main.Template).ToArray();

        Assert.NotEmpty(outputs);
        Assert.All(outputs, output =>
        {
            var type = output.Output.GetProperty("type").GetString()!;
            var value = output.Output.GetProperty("value").ToString();
            Assert.False(type.StartsWith("secure", StringComparison.OrdinalIgnoreCase), $"Output {output.Name} in {output.ModulePath} is {type}.");
            Assert.DoesNotMatch(ListFunction(), value);
            Assert.DoesNotContain("AccountKey=", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(SecretName(), output.Name);
        });
    }

    [Fact]
    public void EventGridSystemTopic_PublishesTheStorageAccountsEvents()
    {
        var topic = ArmTemplate.Single(main.Template, "Microsoft.EventGrid/systemTopics");

        Assert.Equal("Microsoft.Storage.StorageAccounts", topic.PropertyString("topicType"));
        Assert.Contains("'Microsoft.Storage/storageAccounts'", topic.PropertyString("source"), StringComparison.Ordinal);
        // The subscription needs the app's blobs_extension key, so the postdeploy hook creates it (eventgrid.bicep).
        Assert.Empty(ArmTemplate.OfType(main.Template, "Microsoft.EventGrid/systemTopics/eventSubscriptions"));
        Assert.Contains("AZURE_EVENTGRID_SYSTEM_TOPIC_NAME", main.Template.GetProperty("outputs").EnumerateObject().Select(output => output.Name));
    }

    [Fact]
    public void Outputs_NameTheDashboardOnTheAppsHost()
    {
        var outputs = main.Template.GetProperty("outputs");
        var app = outputs.GetProperty("AZURE_FUNCTION_APP_URL").GetProperty("value").GetString()!;

        var dashboard = outputs.GetProperty("AZURE_FUNCTION_APP_DASHBOARD_URL").GetProperty("value").GetString()!;

        // The same host expression as the app's URL, with the dashboard's route (JobRoutes.Dashboard under /api).
        Assert.Equal(app.Replace("'https://{0}'", "'https://{0}/api/dashboard'", StringComparison.Ordinal), dashboard);
        Assert.NotEqual(app, dashboard);
    }

    // list(), listKeys(), listSecrets(), listConnectionStrings() ... : every ARM function that returns secrets.
    [GeneratedRegex(@"\blist\w*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();

    [GeneratedRegex("key|secret|password|connectionstring|sas", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
