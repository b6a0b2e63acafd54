namespace Serverless.Infra.Tests.Support;

/// <summary>The test classes that read compiled main.bicep share one compilation.</summary>
[CollectionDefinition(Name)]
public sealed class MainTemplateCollection : ICollectionFixture<MainTemplateFixture>
{
    public const string Name = "main.bicep compiled";
}
