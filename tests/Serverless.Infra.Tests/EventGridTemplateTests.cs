using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>infra/eventgrid.bicep: the subscription the postdeploy hook creates once the app's code is deployed.</summary>
public sealed class EventGridTemplateTests(EventGridTemplateFixture eventGrid) : IClassFixture<EventGridTemplateFixture>
{
    [Fact]
    public void Subscription_FiltersBlobCreatedOnTheBatchesContainer()
    {
        var subscription = ArmTemplate.Single(eventGrid.Template, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        var filter = subscription.Properties.GetProperty("filter");

        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter.GetProperty("includedEventTypes").EnumerateArray().Select(type => type.GetString()));
        Assert.Equal("/blobServices/default/containers/batches/", filter.GetProperty("subjectBeginsWith").GetString());
    }

    [Fact]
    public void Subscription_DeliversToTheBlobTriggerWebhookWithTheBlobsExtensionKey()
    {
        var subscription = ArmTemplate.Single(eventGrid.Template, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        var destination = subscription.Properties.GetProperty("destination");
        var url = destination.GetProperty("properties").GetProperty("endpointUrl").GetString()!;

        Assert.Equal("WebHook", destination.GetProperty("endpointType").GetString());
        Assert.StartsWith("[format('https://{0}/runtime/webhooks/blobs?functionName=Host.Functions.{1}&code={2}'", url, StringComparison.Ordinal);
        Assert.Contains("listKeys(resourceId('Microsoft.Web/sites/host', parameters('functionAppName'), 'default')", url, StringComparison.Ordinal);
        Assert.EndsWith(".systemKeys.blobs_extension)]", url, StringComparison.Ordinal);
        Assert.Equal("BatchBlobCreated", eventGrid.Template.GetProperty("parameters").GetProperty("functionName").GetProperty("defaultValue").GetString());
    }

    [Fact]
    public void Template_ReturnsNothing_SoTheKeyStaysInTheDeployment()
    {
        Assert.False(
            eventGrid.Template.TryGetProperty("outputs", out var outputs) && outputs.EnumerateObject().Any(),
            "eventgrid.bicep must not have outputs: its only secret (the blobs_extension key) would leak into the deployment record.");
    }
}
