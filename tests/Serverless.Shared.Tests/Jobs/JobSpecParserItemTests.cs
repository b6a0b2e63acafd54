using System.Text;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Jobs;

/// <summary>Specs of item workloads (wordcount, checksum): the input, its format, and the batching limits.</summary>
public sealed class JobSpecParserItemTests
{
    private readonly JobSpecParser _parser = new(new WorkloadCatalog(WorkloadCatalog.BuiltIn(new InMemoryBlobStore())));

    private (JobSpec? Spec, IDictionary<string, string[]> Errors) Parse(string json)
    {
        var errors = new ValidationErrors();
        var spec = _parser.Parse(json, errors);
        return (spec, errors.ToDictionary());
    }

    private static string Message(IDictionary<string, string[]> errors, string field)
    {
        Assert.True(errors.ContainsKey(field), $"Expected an error on '{field}', got: {string.Join(", ", errors.Keys)}");
        return string.Join(" | ", errors[field]);
    }

    [Fact]
    public void Parse_BlobInput_ReadsBlobAndAppliesDefaults()
    {
        // Arrange
        const string json = """{ "workload": "wordcount", "input": { "blob": "data/books/war-and-peace.txt" } }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Empty(errors);
        var input = spec!.Input!;
        Assert.Equal("data/books/war-and-peace.txt", input.Blob);
        Assert.Null(input.Prefix);
        Assert.Null(input.Items);
        Assert.Null(input.Csv);
        Assert.Equal(ItemFormat.Text, input.Format);
        Assert.Equal(1_000, input.MaxItemsPerShard);
        Assert.Equal(64L * 1024 * 1024, input.MaxBytesPerShard);
        Assert.Equal(0, spec.ToleratedFailurePercent);
    }

    [Theory]
    [InlineData("""{ "workload": "wordcount", "input": { "blob": "data/a.txt" }, "speculation": "auto" }""", SpeculationMode.Off)]
    [InlineData("""{ "workload": "primes", "parameters": { "limit": 1000 } }""", SpeculationMode.Auto)]
    [InlineData("""{ "workload": "primes", "parameters": { "limit": 1000 }, "speculation": "off" }""", SpeculationMode.Off)]
    public void RangeSpeculation_ItemJobsNeverBackUpShards_OtherJobsAsAsked(string json, SpeculationMode expected)
    {
        var (spec, errors) = Parse(json);

        Assert.Empty(errors);
        Assert.Equal(expected, spec!.RangeSpeculation);
    }

    [Fact]
    public void Parse_PrefixInput_ReadsPrefix()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "checksum", "input": { "prefix": "backups/2026-11-25/" }, "maxItemsPerShard": 500 }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal("backups/2026-11-25/", spec!.Input!.Prefix);
        Assert.Null(spec.Input.Blob);
        Assert.Null(spec.Input.Items);
        Assert.Equal(500, spec.Input.MaxItemsPerShard);
    }

    [Fact]
    public void Parse_InlineItems_KeepsEveryValueInOrder()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "wordcount", "input": { "items": ["to be or not to be", {"text": "that is"}, 3] } }""");

        // Assert
        Assert.Empty(errors);
        var items = spec!.Input!.Items!;
        Assert.Equal(3, items.Count);
        Assert.Equal("to be or not to be", items[0].GetString());
        Assert.Equal("that is", items[1].GetProperty("text").GetString());
        Assert.Equal(3, items[2].GetInt32());
        Assert.Null(spec.Input.Blob);
        Assert.Null(spec.Input.Prefix);
    }

    [Fact]
    public void Parse_ItemWorkloadWithoutMaxParallelism_DefaultsToTheJobDefaultNotOne()
    {
        // Arrange: an item job's shard count is planned later, so "min(shards, 100)" cannot use it at parse time;
        // defaulting to 1 would run every shard of a large file one after the other.
        const string json = """{ "workload": "wordcount", "input": { "blob": "data/big.txt" }, "maxBytesPerShard": 1048576 }""";

        // Act
        var (spec, errors) = Parse(json);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(JobLimits.DefaultMaxParallelism, spec!.MaxParallelism);
    }

    [Fact]
    public void Parse_ItemWorkloadWithMaxParallelism_KeepsIt()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "wordcount", "input": { "blob": "data/big.txt" }, "maxParallelism": 7 }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(7, spec!.MaxParallelism);
    }

    [Theory]
    [InlineData("data/reviews.jsonl", ItemFormat.Jsonl)]
    [InlineData("data/reviews.JSONL", ItemFormat.Jsonl)]
    [InlineData("data/reviews.ndjson", ItemFormat.Jsonl)]
    [InlineData("data/2026/reviews.csv", ItemFormat.Csv)]
    [InlineData("data/reviews.Csv", ItemFormat.Csv)]
    [InlineData("data/books.txt", ItemFormat.Text)]
    [InlineData("data/books.json", ItemFormat.Text)]
    [InlineData("data/noextension", ItemFormat.Text)]
    [InlineData("data/csv/readme", ItemFormat.Text)]
    public void Parse_BlobWithoutFormat_FormatFromExtension(string blob, ItemFormat expected)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": { "blob": "{{blob}}" } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(expected, spec!.Input!.Format);
    }

    [Theory]
    [InlineData("text", ItemFormat.Text)]
    [InlineData("jsonl", ItemFormat.Jsonl)]
    [InlineData("JSONL", ItemFormat.Jsonl)]
    [InlineData("csv", ItemFormat.Csv)]
    public void Parse_ExplicitFormat_OverridesExtension(string format, ItemFormat expected)
    {
        // Act: the extension says CSV; the given format wins.
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": { "blob": "data/export.csv", "format": "{{format}}" } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(expected, spec!.Input!.Format);
    }

    [Theory]
    [InlineData("\"xml\"")]
    [InlineData("\"1\"")]
    [InlineData("\"\"")]
    [InlineData("2")]
    public void Parse_UnknownFormat_ErrorOnInputFormat(string format)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": { "blob": "data/a.txt", "format": {{format}} } }""");

        // Assert
        Assert.Null(spec);
        Assert.Equal(["input.format"], errors.Keys);
    }

    [Fact]
    public void Parse_CsvOptions_DelimiterAndHeaderRead()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "wordcount", "input": { "blob": "data/r.csv", "csv": { "delimiter": ";", "header": false } }, "parameters": { "field": "review" } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(new CsvOptions(';', false), spec!.Input!.Csv);
        Assert.Equal(ItemFormat.Csv, spec.Input.Format);
        Assert.Equal("review", spec.Parameters["field"].GetString());
    }

    [Theory]
    [InlineData("\\t", '\t')]
    [InlineData(" ", ' ')]
    [InlineData("|", '|')]
    public void Parse_CsvDelimiterOneCharacter_Accepted(string json, char expected)
    {
        // Act: tab-separated files are the most common CSV variant; the README allows any character but a quote or a line break.
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": { "blob": "data/r.tsv", "format": "csv", "csv": { "delimiter": "{{json}}" } } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(new CsvOptions(expected, true), spec!.Input!.Csv);
    }

    [Fact]
    public void Parse_CsvOptionsEmpty_CommaWithHeader()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "wordcount", "input": { "blob": "data/r.csv", "csv": {} } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(new CsvOptions(',', true), spec!.Input!.Csv);
    }

    [Theory]
    [InlineData("\";;\"", "one character other than a quote or a line break")]
    [InlineData("\"\\\"\"", "one character other than a quote or a line break")]
    [InlineData("\"\\n\"", "one character other than a quote or a line break")]
    [InlineData("\"\\r\"", "one character other than a quote or a line break")]
    [InlineData("\"\"", "non-empty string")]
    [InlineData("44", "non-empty string")]
    public void Parse_BadCsvDelimiter_ErrorOnDelimiter(string delimiter, string expected)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": { "blob": "data/r.csv", "csv": { "delimiter": {{delimiter}} } } }""");

        // Assert
        Assert.Null(spec);
        Assert.Equal(["input.csv.delimiter"], errors.Keys);
        Assert.Contains(expected, Message(errors, "input.csv.delimiter"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CsvHeaderNotBoolean_ErrorOnHeader()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "wordcount", "input": { "blob": "data/r.csv", "csv": { "header": "yes", "quote": "'" } } }""");

        // Assert
        Assert.Null(spec);
        Assert.Contains("true or false", Message(errors, "input.csv.header"), StringComparison.Ordinal);
        Assert.Contains("not a known field", Message(errors, "input.csv.quote"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wordcount")]
    [InlineData("checksum")]
    public void Parse_ShardsGivenForItemWorkload_ErrorNamesShards(string workload)
    {
        // Act: shards became optional for every workload, but an item workload still plans its own.
        var (spec, errors) = Parse($$"""{ "workload": "{{workload}}", "shards": 4, "input": { "blob": "data/a.txt" } }""");

        // Assert
        Assert.Null(spec);
        Assert.Contains("planned from the input", Message(errors, "shards"), StringComparison.Ordinal);
        Assert.Equal(["shards"], errors.Keys);
    }

    [Theory]
    [InlineData("wordcount")]
    [InlineData("checksum")]
    public void Parse_ItemWorkloadWithoutInput_ErrorNamesInput(string workload)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "{{workload}}" }""");

        // Assert
        Assert.Null(spec);
        Assert.Equal(["input"], errors.Keys);
        Assert.Contains("is required", Message(errors, "input"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "blob": "data/a.txt", "prefix": "data/" }""")]
    [InlineData("""{ "blob": "data/a.txt", "items": [1] }""")]
    [InlineData("""{ "prefix": "data/", "items": [1] }""")]
    [InlineData("""{ "blob": "data/a.txt", "prefix": "data/", "items": [1] }""")]
    [InlineData("{}")]
    public void Parse_NotExactlyOneSource_ErrorOnInput(string input)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": {{input}} }""");

        // Assert
        Assert.Null(spec);
        Assert.Equal(["input"], errors.Keys);
        Assert.Contains("exactly one of 'blob', 'prefix' or 'items'", Message(errors, "input"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"data/a.txt\"")]
    [InlineData("[\"data/a.txt\"]")]
    public void Parse_InputNotAnObject_ErrorOnInput(string input)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": {{input}} }""");

        // Assert
        Assert.Null(spec);
        Assert.Contains("JSON object", Message(errors, "input"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownFieldInInput_ErrorNamesIt()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "wordcount", "input": { "blob": "data/a.txt", "blobs": "data/b.txt" } }""");

        // Assert
        Assert.Null(spec);
        Assert.Contains("not a known field", Message(errors, "input.blobs"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.txt")]
    [InlineData("/data/a.txt")]
    [InlineData("data/")]
    [InlineData("data/folder/")]
    [InlineData("  ")]
    public void Parse_BadBlobPath_ErrorOnInputBlob(string blob)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": { "blob": "{{blob}}" } }""");

        // Assert
        Assert.Null(spec);
        Assert.True(errors.ContainsKey("input.blob"), $"Expected an error on 'input.blob', got: {string.Join(", ", errors.Keys)}");
    }

    [Theory]
    [InlineData("backups")]
    [InlineData("/backups/x")]
    public void Parse_BadPrefix_ErrorOnInputPrefix(string prefix)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "checksum", "input": { "prefix": "{{prefix}}" } }""");

        // Assert
        Assert.Null(spec);
        Assert.Contains("container/some/prefix", Message(errors, "input.prefix"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data/")]
    [InlineData("data/2026/11/")]
    [InlineData("data/2026-")]
    public void Parse_PrefixEndingInSlashOrNot_Accepted(string prefix)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "checksum", "input": { "prefix": "{{prefix}}" } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(prefix, spec!.Input!.Prefix);
    }

    [Theory]
    [InlineData(10_000, true)]
    [InlineData(10_001, false)]
    public void Parse_InlineItems_AtMostTenThousand(int count, bool valid)
    {
        // Arrange
        var json = new StringBuilder("""{ "workload": "wordcount", "input": { "items": [""");
        json.AppendJoin(',', Enumerable.Repeat("\"w\"", count));
        json.Append("] } }");

        // Act
        var (spec, errors) = Parse(json.ToString());

        // Assert
        if (valid)
        {
            Assert.Empty(errors);
            Assert.Equal(count, spec!.Input!.Items!.Count);
        }
        else
        {
            Assert.Null(spec);
            Assert.Contains("put more in a blob", Message(errors, "input.items"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_InlineItemsNotAnArray_ErrorOnItems()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "wordcount", "input": { "items": "one two" } }""");

        // Assert
        Assert.Null(spec);
        Assert.Contains("JSON array", Message(errors, "input.items"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("montecarlo-pi", """{ "samples": 1000 }""")]
    [InlineData("primes", """{ "limit": 1000 }""")]
    public void Parse_InputOnNonItemWorkload_ErrorNamesInput(string workload, string parameters)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "{{workload}}", "shards": 2, "input": { "blob": "data/a.txt" }, "parameters": {{parameters}} }""");

        // Assert
        Assert.Null(spec);
        Assert.Equal(["input"], errors.Keys);
        var message = Message(errors, "input");
        Assert.Contains("does not read items", message, StringComparison.Ordinal);
        Assert.Contains("wordcount", message, StringComparison.Ordinal);
        Assert.Contains("checksum", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NonItemWorkloadWithoutInput_HasNoInput()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "primes", "shards": 2, "parameters": { "limit": 1000 } }""");

        // Assert
        Assert.Empty(errors);
        Assert.Null(spec!.Input);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1_000_000)]
    public void Parse_MaxItemsPerShardInBounds_Accepted(int value)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "checksum", "input": { "prefix": "data/" }, "maxItemsPerShard": {{value}} }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(value, spec!.Input!.MaxItemsPerShard);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1000001")]
    [InlineData("2.5")]
    [InlineData("\"many\"")]
    public void Parse_MaxItemsPerShardOutOfBounds_ErrorNamesIt(string value)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "checksum", "input": { "prefix": "data/" }, "maxItemsPerShard": {{value}} }""");

        // Assert
        Assert.Null(spec);
        Assert.Equal(["maxItemsPerShard"], errors.Keys);
        Assert.Contains("1 to 1,000,000", Message(errors, "maxItemsPerShard"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(4L * 1024 * 1024 * 1024)]
    public void Parse_MaxBytesPerShardInBounds_Accepted(long value)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": { "blob": "data/a.txt" }, "maxBytesPerShard": {{value}} }""");

        // Assert
        Assert.Empty(errors);
        Assert.Equal(value, spec!.Input!.MaxBytesPerShard);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("4294967297")]
    [InlineData("-65536")]
    public void Parse_MaxBytesPerShardOutOfBounds_ErrorNamesIt(string value)
    {
        // Act
        var (spec, errors) = Parse($$"""{ "workload": "wordcount", "input": { "blob": "data/a.txt" }, "maxBytesPerShard": {{value}} }""");

        // Assert
        Assert.Null(spec);
        Assert.Equal(["maxBytesPerShard"], errors.Keys);
        Assert.Contains("1 to 4,294,967,296", Message(errors, "maxBytesPerShard"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralProblems_OneAnswerNamesEvery()
    {
        // Act
        var (spec, errors) = Parse("""{ "workload": "wordcount", "shards": 3, "maxBytesPerShard": 0, "input": { "blob": "a.txt", "format": "xml" }, "parameters": { "topK": -1 } }""");

        // Assert
        Assert.Null(spec);
        Assert.Equal(
            ["input.blob", "input.format", "maxBytesPerShard", "parameters.topK", "shards"],
            errors.Keys.Order(StringComparer.Ordinal));
    }
}
