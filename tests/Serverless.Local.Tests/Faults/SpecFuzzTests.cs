using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Serverless.Local.Tests.Fixtures;

namespace Serverless.Local.Tests.Faults;

/// <summary>
/// Random and mutated job specs posted to the real API: never a 5xx; a 400 is problem+json whose errors name fields
/// (the mutated one, where a single known field was broken); an invalid spec starts nothing; the same body gets the same
/// answer twice. Every mutation starts from a cheap <c>sleep</c> spec, so a body that happens to be valid starts a job that costs nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class SpecFuzzTests : HostedTest
{
    private const int Cases = 200;

    private static readonly string[] Workloads = ["sleep", "primes", "nope", "", "SLEEP", "sleep ", "mandelbrot\u0000"];

    /// <summary>Values of every JSON kind, the awkward numbers included.</summary>
    private static readonly string[] Oddities =
    [
        "null", "true", "false", "0", "-1", "2.5", "1e400", "-1e400", "123456789012345678901234567890", "9223372036854775808",
        "\"\"", "\"four\"", "\"1\"", "[]", "[1,2]", "{}", "{\"n\":{\"m\":[null]}}", "\"\\u0000\"", "1E-400",
    ];

    public SpecFuzzTests(AzuriteFixture azurite)
        : base(azurite)
    {
    }

    /// <summary>A body to post and, when the mutation broke one known field, the error key that must name it.</summary>
    public sealed record FuzzCase(string Body, string? Field)
    {
        public override string ToString() => Field is null ? Body : $"{Body} (expect '{Field}')";
    }

    [Fact]
    public async Task Submit_FuzzedSpecs_NoServerErrorSameAnswerTwiceAndNothingStartedWhenInvalid()
    {
        var property = Prop.ForAll(Arb.From(Specs()), async fuzz =>
        {
            var before = await JobIdsAsync();
            var first = await PostAsync(fuzz.Body);
            var second = await PostAsync(fuzz.Body);

            Assert.True((int)first.Status < 500, $"{(int)first.Status} for {fuzz}: {first.Text}");
            Assert.Equal(first.Status, second.Status);
            if (first.Status == HttpStatusCode.Accepted)
            {
                Assert.Null(fuzz.Field);
                return;
            }

            Assert.Equal(HttpStatusCode.BadRequest, first.Status);
            Assert.Equal("application/problem+json", first.MediaType);
            var errors = JsonDocument.Parse(first.Text).RootElement.GetProperty("errors");
            var fields = errors.EnumerateObject().Select(p => p.Name).ToList();
            Assert.NotEmpty(fields);
            Assert.All(fields, f => Assert.Matches(FieldPath(), f));
            if (fuzz.Field is not null)
            {
                Assert.Contains(fuzz.Field, fields);
            }

            Assert.Equal(errors.GetRawText(), JsonDocument.Parse(second.Text).RootElement.GetProperty("errors").GetRawText());
            Assert.Equal(before, await JobIdsAsync());
        });

        // FsCheck waits on each case's task, so it runs off xUnit's synchronization context.
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases), property));
    }

    private static Gen<FuzzCase> Specs() => Gen.Frequency(
        (5, BrokenField()),
        (2, SeveralBrokenFields()),
        (2, RandomJson().Select(json => new FuzzCase(json?.ToJsonString() ?? "null", json is JsonObject ? null : "$"))),
        (1, Truncated()),
        (1, Gen.Choose(2, 3000).Select(depth => new FuzzCase(new string('[', depth) + new string(']', depth), "$"))),
        (1, Gen.Elements("", " ", "nope", "{", "{\"workload\":}", "\u00ff\u00fe", "{\"workload\":\"sleep\",}").Select(text => new FuzzCase(text, "$"))));

    /// <summary>The cheap spec, valid as it stands.</summary>
    private static JsonObject Valid() => new()
    {
        ["workload"] = "sleep",
        ["shards"] = 3,
        ["maxParallelism"] = 2,
        ["parameters"] = new JsonObject { ["milliseconds"] = 0 },
    };

    /// <summary>One known field given a value it must refuse.</summary>
    private static Gen<FuzzCase> BrokenField() => Gen.OneOf(
        Broken("workload", "workload", "42", "null", "[]", "{}", "\"nope\"", "\"\"", "true"),
        Broken("shards", "shards", "\"four\"", "0", "-3", "100000000", "2.5", "1e400", "123456789012345678901234567890", "true", "[]", "{\"n\":1}"),
        Broken("maxParallelism", "maxParallelism", "0", "5000", "\"two\"", "-1e400", "[[2]]"),
        Broken("toleratedFailurePercent", "toleratedFailurePercent", "-1", "101", "1e400", "\"x\"", "{}"),
        Broken("seed", "seed", "\"x\"", "1.5", "9223372036854775808", "[]"),
        Broken("retry", "retry", "3", "\"x\"", "[]"),
        Broken("retry.maxAttempts", "retry", "{\"maxAttempts\":0}", "{\"maxAttempts\":\"x\"}", "{\"maxAttempts\":1e400}"),
        Broken("parameters", "parameters", "3", "\"x\"", "[]", "true"),
        Broken("parameters.milliseconds", "parameters", "{\"milliseconds\":-1}", "{\"milliseconds\":3600001}", "{\"milliseconds\":\"x\"}", "{\"milliseconds\":{\"a\":[1]}}"),
        Gen.Elements(
            new FuzzCase("""{"workload":"primes","shards":2,"parameters":{}}""", "parameters.limit"),
            new FuzzCase("""{"workload":"primes","shards":2,"parameters":{"limit":1}}""", "parameters.limit"),
            new FuzzCase("""{"workload":"primes","shards":2,"parameters":{"limit":1e13}}""", "parameters.limit"),
            new FuzzCase("""{"workload":"mandelbrot","shards":2,"parameters":{"width":0}}""", "parameters.width"),
            new FuzzCase("""{"workload":"mandelbrot","shards":2,"parameters":{"width":32768,"height":32768}}""", null),
            new FuzzCase("""{"workload":"mandelbrot","shards":99,"parameters":{"height":8}}""", null),
            new FuzzCase("""{"workload":"wordcount","input":{"items":"x"}}""", null),
            new FuzzCase("""{"workload":"wordcount","shards":3,"input":{"items":["a"]}}""", "shards")));

    private static Gen<FuzzCase> Broken(string field, string key, params string[] values) =>
        Gen.Elements(values).Select(value =>
        {
            var spec = Valid();
            spec[key] = JsonNode.Parse(value);
            return new FuzzCase(spec.ToJsonString(), field);
        });

    /// <summary>Several fields removed or replaced at once: which errors come back depends on the mix, but never a 5xx.</summary>
    private static Gen<FuzzCase> SeveralBrokenFields() =>
        from replacements in Gen.ListOf(
            Gen.Zip(Gen.Elements("workload", "shards", "maxParallelism", "parameters", "retry", "seed", "input", "extra"), Gen.Elements(["<remove>", .. Oddities])))
        select new FuzzCase(Apply(replacements), null);

    private static string Apply(IEnumerable<(string Key, string Value)> replacements)
    {
        var spec = Valid();
        foreach (var (key, value) in replacements)
        {
            if (value == "<remove>")
            {
                spec.Remove(key);
            }
            else
            {
                spec[key] = JsonNode.Parse(value);
            }
        }

        return spec.ToJsonString();
    }

    /// <summary>A valid spec cut short.</summary>
    private static Gen<FuzzCase> Truncated()
    {
        var text = Valid().ToJsonString();
        return Gen.Choose(0, text.Length - 1).Select(length => new FuzzCase(text[..length], "$"));
    }

    /// <summary>JSON trees of spec-like keys and odd values, a few levels deep.</summary>
    private static Gen<JsonNode?> RandomJson() => Gen.Sized(size => Tree(Math.Min(size, 12) / 4));

    private static Gen<JsonNode?> Tree(int depth)
    {
        var leaf = Gen.OneOf(
            Gen.Elements(Oddities).Select(JsonNode? (text) => JsonNode.Parse(text)),
            Gen.Elements(Workloads).Select(JsonNode? (name) => JsonValue.Create(name)),
            ArbMap.Default.GeneratorFor<int>().Select(JsonNode? (n) => JsonValue.Create(n)));
        if (depth == 0)
        {
            return leaf;
        }

        var keys = Gen.Elements("workload", "shards", "maxParallelism", "parameters", "retry", "input", "milliseconds", "items", "limit", "x");
        var array = Gen.ListOf(Tree(depth - 1)).Select(JsonNode? (items) => new JsonArray([.. items.Select(i => i?.DeepClone())]));
        var obj = Gen.ListOf(Gen.Zip(keys, Tree(depth - 1))).Select(JsonNode? (pairs) =>
        {
            var node = new JsonObject();
            foreach (var (key, value) in pairs)
            {
                node[key] = value?.DeepClone();
            }

            return node;
        });
        return Gen.Frequency((2, leaf), (1, array), (3, obj));
    }

    private async Task<(HttpStatusCode Status, string? MediaType, string Text)> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Host.Http.PostAsync("api/jobs", content);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The newest page of the job list, by id: a job started by an invalid spec would appear at its head.</summary>
    private async Task<string> JobIdsAsync()
    {
        var jobs = JsonDocument.Parse(await Host.Http.GetStringAsync("api/jobs")).RootElement.GetProperty("jobs");
        return string.Join(',', jobs.EnumerateArray().Select(j => j.GetProperty("instanceId").GetString()));
    }

    /// <summary>"$", or a path of field names and indexes such as "parameters.limit" or "input.items[3]".</summary>
    [GeneratedRegex(@"^(\$|[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*|\[\d+\])*)$", RegexOptions.CultureInvariant)]
    private static partial Regex FieldPath();
}
