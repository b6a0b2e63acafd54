using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.DurableTask;
using Serverless.Orchestration;

using Serverless.Tests.Build;

namespace Serverless.Functions.Tests;

/// <summary>
/// JobTasks against what really runs: the Functions app's generated functions.metadata (its hand-written
/// [Function] wrappers), the names the orchestrators call, and the task classes in the shared assembly.
/// </summary>
public sealed partial class DurableRegistrationTests
{
    private static readonly IReadOnlyList<DurableFunction> Metadata = ReadMetadata();

    public static TheoryData<string> Orchestrators => new(JobTasks.Orchestrators.Select(JobTasks.NameOf));

    public static TheoryData<string> Activities => new(JobTasks.Activities.Select(JobTasks.NameOf));

    [Theory]
    [MemberData(nameof(Orchestrators))]
    public void Metadata_ListedOrchestrator_HasOrchestrationTrigger(string name) =>
        Assert.Contains(Metadata, function => function.Name == name && function.Trigger == "orchestrationTrigger");

    [Theory]
    [MemberData(nameof(Activities))]
    public void Metadata_ListedActivity_HasActivityTrigger(string name) =>
        Assert.Contains(Metadata, function => function.Name == name && function.Trigger == "activityTrigger");

    [Fact]
    public void Metadata_DurableFunctions_AreAllListed()
    {
        Assert.Equal(
            JobTasks.Orchestrators.Select(JobTasks.NameOf).Order(),
            Metadata.Where(function => function.Trigger == "orchestrationTrigger").Select(function => function.Name).Order());
        Assert.Equal(
            JobTasks.Activities.Select(JobTasks.NameOf).Order(),
            Metadata.Where(function => function.Trigger == "activityTrigger").Select(function => function.Name).Order());
    }

    [Fact]
    public void OrchestrationSources_CallOnlyListedTasks_AndEveryListedActivity()
    {
        var calls = ScanCalls();
        var activities = JobTasks.Activities.Select(JobTasks.NameOf).ToHashSet();
        var orchestrators = JobTasks.Orchestrators.Select(JobTasks.NameOf).ToHashSet();

        Assert.All(calls.Where(call => call.Kind == "Activity"), call => Assert.True(activities.Contains(call.Name), $"{call.Where} calls activity '{call.Name}', which JobTasks does not list."));
        Assert.All(calls.Where(call => call.Kind == "SubOrchestrator"), call => Assert.True(orchestrators.Contains(call.Name), $"{call.Where} calls sub-orchestration '{call.Name}', which JobTasks does not list."));
        // An activity no orchestrator calls is a registration to remove (and shows the scan still finds calls).
        Assert.Equal(activities.Order(), calls.Where(call => call.Kind == "Activity").Select(call => call.Name).Distinct().Order());
    }

    [Fact]
    public void SharedAssembly_EveryTaskClass_IsListed()
    {
        var types = typeof(JobTasks).Assembly.GetTypes().Where(type => type is { IsClass: true, IsAbstract: false }).ToList();
        Assert.Equal(JobTasks.Orchestrators.OrderBy(type => type.FullName), types.Where(typeof(ITaskOrchestrator).IsAssignableFrom).OrderBy(type => type.FullName));
        Assert.Equal(JobTasks.Activities.OrderBy(type => type.FullName), types.Where(typeof(ITaskActivity).IsAssignableFrom).OrderBy(type => type.FullName));
    }

    private static List<DurableFunction> ReadMetadata()
    {
        var path = Path.Combine(BuildMetadata.Get("FunctionsOutputDirectory"), "functions.metadata");
        Assert.True(File.Exists(path), $"'{path}' is missing: the Functions project's build writes it.");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray()
            .Select(function => new DurableFunction(
                function.GetProperty("name").GetString()!,
                function.GetProperty("bindings").EnumerateArray()
                    .Select(binding => binding.GetProperty("type").GetString())
                    .FirstOrDefault(type => type is "orchestrationTrigger" or "activityTrigger")))
            .ToList();
    }

    /// <summary>Every CallActivityAsync/CallSubOrchestratorAsync in shared/Orchestration; a name not given by nameof fails here.</summary>
    private static List<TaskCall> ScanCalls()
    {
        var folder = Path.Combine(RepositoryRoot(), "shared", "Orchestration");
        var calls = new List<TaskCall>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            var source = File.ReadAllText(file);
            foreach (Match call in CallPattern().Matches(source))
            {
                var where = $"{Path.GetFileName(file)} line {source[..call.Index].Count(c => c == '\n') + 1}";
                var name = NameofPattern().Match(call.Groups["argument"].Value.Trim());
                Assert.True(name.Success, $"{where} names its task with '{call.Groups["argument"].Value.Trim()}' rather than nameof(the task's type).");
                calls.Add(new TaskCall(call.Groups["kind"].Value, name.Groups["type"].Value, where));
            }
        }

        return calls;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Serverless.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Serverless.sln above '{AppContext.BaseDirectory}'.");
    }

    // The call, any type arguments (which may nest), then the first argument: the task's name.
    [GeneratedRegex(@"\.Call(?<kind>Activity|SubOrchestrator)Async\s*(?:<[^()]*>)?\s*\(\s*(?<argument>[^,)]*\)?)")]
    private static partial Regex CallPattern();

    [GeneratedRegex(@"^nameof\((?:[\w.]+\.)?(?<type>\w+)\)$")]
    private static partial Regex NameofPattern();

    private sealed record DurableFunction(string Name, string? Trigger);

    private sealed record TaskCall(string Kind, string Name, string Where);
}
