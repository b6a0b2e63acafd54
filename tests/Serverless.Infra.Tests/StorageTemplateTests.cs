using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

[Collection(MainTemplateCollection.Name)]
public sealed class StorageTemplateTests(MainTemplateFixture main)
{
    [Fact]
    public void StorageAccount_IsIdentityOnlyAndTls12()
    {
        var storage = ArmTemplate.Single(main.Template, "Microsoft.Storage/storageAccounts").Properties;

        Assert.False(storage.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(storage.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", storage.GetProperty("minimumTlsVersion").GetString());
        Assert.True(storage.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
    }

    [Fact]
    public void StorageAccount_HasThePrivateContainersTheAppUses()
    {
        var containers = ArmTemplate.OfType(main.Template, "Microsoft.Storage/storageAccounts/blobServices/containers");
        var names = containers.Select(container => ArmTemplate.LastLiteral(container.Name)).ToArray();

        Assert.Equal(["app-package", "batches", "batches-failed", "results"], names.Order(StringComparer.Ordinal));
        Assert.All(containers, container => Assert.Equal("None", container.PropertyString("publicAccess")));
    }

    [Fact]
    public void StorageAccount_DeclaresBlobQueueAndTableServicesForTheDurableBackend()
    {
        Assert.Single(ArmTemplate.OfType(main.Template, "Microsoft.Storage/storageAccounts/blobServices"));
        Assert.Single(ArmTemplate.OfType(main.Template, "Microsoft.Storage/storageAccounts/queueServices"));
        Assert.Single(ArmTemplate.OfType(main.Template, "Microsoft.Storage/storageAccounts/tableServices"));
    }

    [Fact]
    public void Template_ContainsNoAccountKey()
    {
        var text = main.Template.GetRawText();

        Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listKeys(", text, StringComparison.OrdinalIgnoreCase);
    }
}
