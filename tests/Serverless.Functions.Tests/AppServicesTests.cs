using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Serverless.Costs;

namespace Serverless.Functions.Tests;

/// <summary>
/// The app's service graph, built as Program builds it: every class with a [Function] method must be
/// constructible from it, as the worker constructs them. Nothing here touches storage: clients connect on first use.
/// </summary>
public sealed class AppServicesTests
{
    private static readonly IReadOnlyList<Type> Classes = [.. typeof(AppServices).Assembly.GetTypes()
        .Where(type => !type.IsAbstract && type.GetMethods().Any(method => method.GetCustomAttribute<FunctionAttribute>() is not null))];

    public static TheoryData<string> FunctionClasses => new(Classes.Select(type => type.FullName!));

    [Theory]
    [MemberData(nameof(FunctionClasses))]
    public void AddServerless_EveryFunctionClass_IsConstructible(string typeName)
    {
        // Arrange
        using var provider = TestServices.Build();
        var type = typeof(AppServices).Assembly.GetType(typeName)!;

        // Act
        var function = ActivatorUtilities.CreateInstance(provider, type);

        // Assert
        Assert.IsType(type, function);
    }

    [Fact]
    public void AddServerless_Prices_AreReadFromTheServerlessSection()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["serverless:prices:instanceMemoryMB"] = "4096",
                ["serverless:prices:perGbSecond"] = "0.00001",
            })
            .Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddServerless().BuildServiceProvider();

        var prices = provider.GetRequiredService<CostPrices>();

        Assert.Equal(new CostPrices { InstanceMemoryMB = 4096, PerGbSecond = 0.00001m }, prices);
    }

    [Fact]
    public void FunctionClasses_AreFound() =>
        Assert.Equal([typeof(BatchFunctions), typeof(DurableFunctions), typeof(JobFunctions), typeof(RetentionFunctions)], Classes.OrderBy(type => type.Name));
}
