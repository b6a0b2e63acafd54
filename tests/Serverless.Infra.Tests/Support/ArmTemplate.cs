using System.Text.Json;
using System.Text.RegularExpressions;

namespace Serverless.Infra.Tests.Support;

/// <summary>One resource of a compiled ARM template, with the template (or nested module template) declaring it.</summary>
internal sealed record ArmResource(JsonElement Element, JsonElement Template, string ModulePath)
{
    public string Type => Element.GetProperty("type").GetString()!;

    /// <summary>The name as written in the template: a literal or an ARM expression in brackets.</summary>
    public string Name => Element.GetProperty("name").GetString()!;

    public JsonElement Properties => Element.GetProperty("properties");

    /// <summary>The <c>scope</c> of an extension resource (role assignments, diagnostic settings), or null.</summary>
    public string? Scope => Element.TryGetProperty("scope", out var scope) ? scope.GetString() : null;

    /// <summary>A string property of <see cref="Properties"/> by path, with this template's string variables expanded.</summary>
    public string PropertyString(params string[] path)
    {
        var element = Properties;
        foreach (var segment in path)
        {
            element = element.GetProperty(segment);
        }

        return ArmTemplate.ExpandVariables(element.GetString()!, Template);
    }

    public override string ToString() => $"{Type} {Name} (in {ModulePath})";
}

/// <summary>
/// Reading compiled Bicep: Bicep modules compile to Microsoft.Resources/deployments resources whose
/// properties.template holds the module's own template, so everything here walks them recursively.
/// </summary>
internal static partial class ArmTemplate
{
    public const string DeploymentType = "Microsoft.Resources/deployments";

    /// <summary>Every resource of the template and of its nested module templates, depth first.</summary>
    public static IEnumerable<ArmResource> Resources(JsonElement template, string modulePath = "main")
    {
        foreach (var resource in Items(template.GetProperty("resources")))
        {
            var armResource = new ArmResource(resource, template, modulePath);
            yield return armResource;
            if (armResource.Type == DeploymentType
                && resource.TryGetProperty("properties", out var properties)
                && properties.TryGetProperty("template", out var nested))
            {
                foreach (var inner in Resources(nested, $"{modulePath}/{armResource.Name}"))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Every output of the template and of its nested module templates.</summary>
    public static IEnumerable<(string Name, JsonElement Output, string ModulePath)> Outputs(JsonElement template, string modulePath = "main")
    {
        if (template.TryGetProperty("outputs", out var outputs))
        {
            foreach (var output in outputs.EnumerateObject())
            {
                yield return (output.Name, output.Value, modulePath);
            }
        }

        foreach (var deployment in Resources(template, modulePath).Where(resource => resource.Type == DeploymentType && resource.ModulePath == modulePath))
        {
            if (deployment.Properties.TryGetProperty("template", out var nested))
            {
                foreach (var output in Outputs(nested, $"{modulePath}/{deployment.Name}"))
                {
                    yield return output;
                }
            }
        }
    }

    public static IReadOnlyList<ArmResource> OfType(JsonElement template, string type) =>
        Resources(template).Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase)).ToArray();

    /// <summary>The one resource of a type in the whole template tree; fails when there are none or several.</summary>
    public static ArmResource Single(JsonElement template, string type)
    {
        var matches = OfType(template, type);
        Assert.True(matches.Count == 1, $"Expected exactly one {type}, found {matches.Count}: {string.Join("; ", matches)}");
        return matches[0];
    }

    /// <summary>The module deployment of that name declared by the top-level template.</summary>
    public static ArmResource Module(JsonElement template, string name)
    {
        var matches = Resources(template).Where(resource => resource.Type == DeploymentType && resource.ModulePath == "main" && resource.Name == name).ToArray();
        Assert.True(matches.Length == 1, $"Expected one module deployment named '{name}' in main.bicep, found {matches.Length}.");
        return matches[0];
    }

    /// <summary>The expression a module deployment passes for one of its parameters.</summary>
    public static string ModuleParameter(ArmResource module, string parameter) =>
        module.Properties.GetProperty("parameters").GetProperty(parameter).GetProperty("value").ToString();

    /// <summary>
    /// Replaces <c>variables('x')</c> with the quoted value of x when x is a string variable of the template, so
    /// an expression can be compared with the literal ids it stands for.
    /// </summary>
    public static string ExpandVariables(string expression, JsonElement template)
    {
        if (!template.TryGetProperty("variables", out var variables))
        {
            return expression;
        }

        return VariableReference().Replace(expression, match =>
            variables.TryGetProperty(match.Groups["name"].Value, out var value) && value.ValueKind == JsonValueKind.String
                ? $"'{value.GetString()}'"
                : match.Value);
    }

    /// <summary>The top-level arguments of an expression <c>[fn(a, b, c)]</c>; fails when it is not a call of <paramref name="function"/>.</summary>
    public static IReadOnlyList<string> CallArguments(string expression, string function)
    {
        var prefix = $"[{function}(";
        Assert.True(
            expression.StartsWith(prefix, StringComparison.Ordinal) && expression.EndsWith(")]", StringComparison.Ordinal),
            $"Expected a {function}(...) expression, got: {expression}");
        var body = expression[prefix.Length..^2];
        var arguments = new List<string>();
        var depth = 0;
        var inString = false;
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '\'')
            {
                inString = !inString;
            }
            else if (!inString && (c == '(' || c == '['))
            {
                depth++;
            }
            else if (!inString && (c == ')' || c == ']'))
            {
                depth--;
            }
            else if (!inString && depth == 0 && c == ',')
            {
                arguments.Add(body[start..i].Trim());
                start = i + 1;
            }
        }

        arguments.Add(body[start..].Trim());
        return arguments;
    }

    /// <summary>An ARM expression without its brackets: "[x]" gives "x"; a literal is quoted the way ARM would.</summary>
    public static string Unwrap(string value) =>
        value.StartsWith('[') && value.EndsWith(']') ? value[1..^1] : $"'{value}'";

    /// <summary>The last string literal of an expression: the child name in <c>format('{0}/{1}', parameters('a'), 'child')</c>.</summary>
    public static string LastLiteral(string expression)
    {
        var matches = StringLiteral().Matches(expression);
        return matches.Count == 0 ? expression : matches[^1].Groups["value"].Value;
    }

    private static IEnumerable<JsonElement> Items(JsonElement resources) =>
        resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(property => property.Value) // languageVersion 2.0 (symbolic names)
            : resources.EnumerateArray();

    [GeneratedRegex(@"variables\('(?<name>[^']+)'\)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"'(?<value>[^']*)'")]
    private static partial Regex StringLiteral();
}
