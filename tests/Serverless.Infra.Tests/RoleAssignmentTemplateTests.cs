using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

[Collection(MainTemplateCollection.Name)]
public sealed class RoleAssignmentTemplateTests(MainTemplateFixture main)
{
    private const string RoleAssignmentType = "Microsoft.Authorization/roleAssignments";

    public static TheoryData<string, string, string> BuiltInRoles => new()
    {
        { "Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts" },
        { "Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts" },
        { "Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts" },
        { "Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components" },
    };

    [Theory]
    [MemberData(nameof(BuiltInRoles))]
    public void BuiltInRole_IsAssignedToTheIdentityOnItsResource(string role, string roleDefinitionGuid, string scopeType)
    {
        var assignments = ArmTemplate.OfType(main.Template, RoleAssignmentType)
            .Where(assignment => assignment.PropertyString("roleDefinitionId").Contains($"'{roleDefinitionGuid}'", StringComparison.OrdinalIgnoreCase))
            .ToArray();

        var assignment = Assert.Single(assignments);
        Assert.Equal(
            $"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{roleDefinitionGuid}')]",
            assignment.PropertyString("roleDefinitionId"));
        Assert.True(assignment.Scope?.Contains($"'{scopeType}'", StringComparison.Ordinal) == true, $"{role} should be scoped to the {scopeType}, is scoped to {assignment.Scope ?? "the resource group"}.");
        Assert.Equal("[parameters('principalId')]", assignment.PropertyString("principalId"));
    }

    [Fact]
    public void EveryRoleAssignment_IsNamedGuidOfScopePrincipalAndRole()
    {
        var assignments = ArmTemplate.OfType(main.Template, RoleAssignmentType);

        Assert.Equal(5, assignments.Count);
        Assert.All(assignments, assignment =>
        {
            var arguments = ArmTemplate.CallArguments(ArmTemplate.ExpandVariables(assignment.Name, assignment.Template), "guid");
            Assert.Equal(3, arguments.Count);
            Assert.Equal(ArmTemplate.Unwrap(assignment.Scope ?? "[resourceGroup().id]"), arguments[0]);
            Assert.Equal(ArmTemplate.Unwrap(assignment.PropertyString("principalId")), arguments[1]);
            Assert.Equal(ArmTemplate.Unwrap(assignment.PropertyString("roleDefinitionId")), arguments[2]);
            Assert.Equal("ServicePrincipal", assignment.PropertyString("principalType"));
        });
    }

    [Fact]
    public void RoleAssignments_GoToTheSharedIdentity()
    {
        var roles = ArmTemplate.Module(main.Template, "roles");

        var principal = ArmTemplate.ModuleParameter(roles, "principalId");
        Assert.Contains("'identity'", principal, StringComparison.Ordinal);
        Assert.Contains("outputs.principalId", principal, StringComparison.Ordinal);
    }

    [Fact]
    public void GpuJobOperatorRole_IsLeastPrivilegeAndAssignedOnTheJobOnly()
    {
        var definition = ArmTemplate.Single(main.Template, "Microsoft.Authorization/roleDefinitions");
        var permissions = Assert.Single(definition.Properties.GetProperty("permissions").EnumerateArray());
        var actions = permissions.GetProperty("actions").EnumerateArray().Select(action => action.GetString()!).ToArray();
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal) { "Microsoft.App/jobs/read", "Microsoft.App/jobs/start/action", "Microsoft.App/jobs/executions/read", "Microsoft.App/jobs/stop/action" },
            actions.ToHashSet(StringComparer.Ordinal));
        // Only reading the job and starting, reading and stopping executions: no write, delete, secrets or wildcards.
        Assert.All(actions, action =>
        {
            Assert.StartsWith("Microsoft.App/jobs/", action, StringComparison.Ordinal);
            Assert.True(
                action.EndsWith("/read", StringComparison.Ordinal) || action.Contains("/start/", StringComparison.Ordinal) || action.Contains("/stop/", StringComparison.Ordinal),
                $"The GPU job operator role grants {action}.");
            Assert.DoesNotContain("*", action, StringComparison.Ordinal);
        });
        Assert.Empty(permissions.GetProperty("dataActions").EnumerateArray());
        Assert.Equal("CustomRole", definition.PropertyString("type"));

        var jobAssignment = Assert.Single(
            ArmTemplate.OfType(main.Template, RoleAssignmentType),
            assignment => assignment.Scope?.Contains("'Microsoft.App/jobs'", StringComparison.Ordinal) == true);
        Assert.Equal("[parameters('gpuJobOperatorRoleId')]", jobAssignment.PropertyString("roleDefinitionId"));
        var passed = ArmTemplate.ModuleParameter(ArmTemplate.Module(main.Template, "roles"), "gpuJobOperatorRoleId");
        Assert.Contains("'jobrole'", passed, StringComparison.Ordinal);
        Assert.Contains("outputs.id", passed, StringComparison.Ordinal);
    }
}
