using System.Text.Json;
using Serverless.Items;
using Serverless.Jobs;
using Serverless.Workloads;

namespace Serverless.Tests.Workloads;

public sealed class WordCountWorkloadTests
{
    private static readonly WordCountParameters Defaults = new(TopK: 20, Field: "text");
    private static readonly JobContext Job = new("job-wc", 1);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly WordCountWorkload _workload = new();

    private static Item ItemOf(string json) => new(JsonDocument.Parse(json).RootElement.Clone(), new ItemSource("data/x.txt", 0, 1));

    private static WordCountPartial PartialOf(params string[] words)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }

        return new WordCountPartial(words.Length, counts);
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("   \t ", new string[0])]
    [InlineData("hello", new[] { "hello" })]
    [InlineData("Hello, World!", new[] { "hello", "world" })]
    [InlineData("  leading and trailing  ", new[] { "leading", "and", "trailing" })]
    [InlineData("MiXeD CaSe", new[] { "mixed", "case" })]
    [InlineData("don't", new[] { "don", "t" })]
    [InlineData("abc123def", new[] { "abc", "def" })]
    [InlineData("2024-11-25", new string[0])]
    [InlineData("e-mail: a.b@c.org", new[] { "e", "mail", "a", "b", "c", "org" })]
    [InlineData("snake_case_word", new[] { "snake", "case", "word" })]
    [InlineData("tab\tnew\nline", new[] { "tab", "new", "line" })]
    public void Words_AsciiText_RunsOfLettersLowerCased(string text, string[] expected)
    {
        // Act
        var words = WordCountWorkload.Words(text);

        // Assert
        Assert.Equal(expected, words);
    }

    [Theory]
    [InlineData("naïve café", new[] { "naïve", "café" })]
    [InlineData("ÉCOLE Straße", new[] { "école", "straße" })]
    [InlineData("日本語のテキスト", new[] { "日本語のテキスト" })]
    [InlineData("Москва, Київ", new[] { "москва", "київ" })]
    [InlineData("αβγ ΔΕΖ", new[] { "αβγ", "δεζ" })]
    [InlineData("a😀b", new[] { "a", "b" })]
    [InlineData("\U00010400\U00010401", new[] { "\U00010428\U00010429" })]
    [InlineData("x\u00A0y\u2003z", new[] { "x", "y", "z" })]
    [InlineData("٣ apples", new[] { "apples" })]
    public void Words_UnicodeText_UnicodeLettersAreWordCharacters(string text, string[] expected)
    {
        // Act
        var words = WordCountWorkload.Words(text);

        // Assert
        Assert.Equal(expected, words);
    }

    [Fact]
    public async Task ProcessAsync_StringItem_ItsWords()
    {
        // Act
        var words = await _workload.ProcessAsync(ItemOf("\"To be, or not to be\""), Defaults, CancellationToken.None);

        // Assert
        Assert.Equal(["to", "be", "or", "not", "to", "be"], words);
    }

    [Fact]
    public async Task ProcessAsync_ObjectWithDefaultField_WordsOfTheField()
    {
        // Act
        var words = await _workload.ProcessAsync(ItemOf("""{ "id": 7, "text": "That is the question", "other": "ignored words" }"""), Defaults, CancellationToken.None);

        // Assert
        Assert.Equal(["that", "is", "the", "question"], words);
    }

    [Fact]
    public async Task ProcessAsync_ObjectWithConfiguredField_WordsOfThatField()
    {
        // Act
        var words = await _workload.ProcessAsync(ItemOf("""{ "text": "not this", "review": "Great product" }"""), Defaults with { Field = "review" }, CancellationToken.None);

        // Assert
        Assert.Equal(["great", "product"], words);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("""["a", "b"]""")]
    [InlineData("""{ "body": "no text field" }""")]
    [InlineData("""{ "text": 12 }""")]
    [InlineData("""{ "text": ["a"] }""")]
    public async Task ProcessAsync_NotText_ThrowsInvalidData(string json)
    {
        // Act & Assert
        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await _workload.ProcessAsync(ItemOf(json), Defaults, CancellationToken.None));
        Assert.Contains("'text'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Accumulate_WordsOfTwoItems_CountsAndTotal()
    {
        // Arrange
        var partial = _workload.Empty(Defaults);

        // Act
        partial = _workload.Accumulate(partial, ["a", "b", "a"], Defaults);
        partial = _workload.Accumulate(partial, ["b", "c"], Defaults);
        partial = _workload.Accumulate(partial, [], Defaults);

        // Assert
        Assert.Equal(5, partial.Words);
        Assert.Equal(new Dictionary<string, long> { ["a"] = 2, ["b"] = 2, ["c"] = 1 }, partial.Counts);
    }

    [Fact]
    public void Combine_ThreePartials_Associative()
    {
        // Arrange
        var a = PartialOf("x", "y", "x");
        var b = PartialOf("y", "z");
        var c = PartialOf("x", "w", "w", "w");

        // Act
        var left = _workload.Combine(_workload.Combine(a, b), c);
        var right = _workload.Combine(a, _workload.Combine(b, c));

        // Assert
        var expected = new Dictionary<string, long> { ["x"] = 3, ["y"] = 2, ["z"] = 1, ["w"] = 3 };
        Assert.Equal(9, left.Words);
        Assert.Equal(9, right.Words);
        Assert.Equal(expected, left.Counts);
        Assert.Equal(expected, right.Counts);
    }

    [Fact]
    public void Combine_WithEmpty_Identity()
    {
        // Arrange
        var a = PartialOf("p", "q", "p");

        // Act
        var combined = _workload.Combine(_workload.Empty(Defaults), a);

        // Assert
        Assert.Equal(a.Words, combined.Words);
        Assert.Equal(a.Counts, combined.Counts);
    }

    [Fact]
    public void Combine_Inputs_NotModified()
    {
        // Arrange
        var a = PartialOf("x");
        var b = PartialOf("x", "y");

        // Act
        _workload.Combine(a, b);

        // Assert
        Assert.Equal(new Dictionary<string, long> { ["x"] = 1 }, a.Counts);
        Assert.Equal(new Dictionary<string, long> { ["x"] = 1, ["y"] = 1 }, b.Counts);
    }

    [Fact]
    public void Combine_AsJsonPartials_SameAsTyped()
    {
        // Arrange: the engine combines partials as JSON.
        var a = JsonSerializer.SerializeToElement(PartialOf("x", "y"), Web);
        var b = JsonSerializer.SerializeToElement(PartialOf("y", "y"), Web);

        // Act
        var combined = ((IWorkload)_workload).Combine(a, b);

        // Assert
        Assert.Equal(4, combined.GetProperty("words").GetInt64());
        Assert.Equal(1, combined.GetProperty("counts").GetProperty("x").GetInt64());
        Assert.Equal(3, combined.GetProperty("counts").GetProperty("y").GetInt64());
    }

    [Fact]
    public async Task FinishAsync_Counts_TopByCountDescendingThenWordAscending()
    {
        // Arrange: ties at 3 (b, d) and at 1 (a, c, e).
        var combined = PartialOf("d", "b", "d", "b", "f", "f", "f", "f", "c", "a", "e", "d", "b");

        // Act
        var result = await _workload.FinishAsync(combined, Defaults with { TopK = 4 }, Job, CancellationToken.None);

        // Assert
        Assert.Equal(13, result.TotalWords);
        Assert.Equal(6, result.DistinctWords);
        Assert.Equal([new WordCount("f", 4), new WordCount("b", 3), new WordCount("d", 3), new WordCount("a", 1)], result.Top);
    }

    [Fact]
    public async Task FinishAsync_TopKLargerThanDistinct_EveryWord()
    {
        // Arrange
        var combined = PartialOf("z", "y", "z");

        // Act
        var result = await _workload.FinishAsync(combined, Defaults with { TopK = 100 }, Job, CancellationToken.None);

        // Assert
        Assert.Equal([new WordCount("z", 2), new WordCount("y", 1)], result.Top);
        Assert.Equal(2, result.DistinctWords);
    }

    [Fact]
    public async Task FinishAsync_TopKZero_TotalsWithoutTop()
    {
        // Act
        var result = await _workload.FinishAsync(PartialOf("a", "b"), Defaults with { TopK = 0 }, Job, CancellationToken.None);

        // Assert
        Assert.Empty(result.Top);
        Assert.Equal((2L, 2L), (result.TotalWords, result.DistinctWords));
    }

    [Fact]
    public async Task FinishAsync_WordsDifferingOnlyByCaseInInput_OneDistinctWord()
    {
        // Arrange: through Process, so lower-casing happens before counting.
        var partial = _workload.Empty(Defaults);
        foreach (var line in new[] { "\"Apple apple\"", "\"APPLE, Äpple\"" })
        {
            partial = _workload.Accumulate(partial, await _workload.ProcessAsync(ItemOf(line), Defaults, CancellationToken.None), Defaults);
        }

        // Act
        var result = await _workload.FinishAsync(partial, Defaults, Job, CancellationToken.None);

        // Assert
        Assert.Equal(4, result.TotalWords);
        Assert.Equal(2, result.DistinctWords);
        Assert.Equal([new WordCount("apple", 3), new WordCount("äpple", 1)], result.Top);
    }

    [Fact]
    public void Validate_ParameterBounds_ErrorsNameTheField()
    {
        // Arrange
        var errors = new ValidationErrors();
        var parameters = new Dictionary<string, JsonElement>
        {
            ["topK"] = JsonSerializer.SerializeToElement(10_001),
            ["field"] = JsonSerializer.SerializeToElement(""),
            ["fields"] = JsonSerializer.SerializeToElement("typo"),
        };

        // Act
        _workload.Validate(parameters, 1, errors);

        // Assert
        Assert.Equal(["parameters.field", "parameters.fields", "parameters.topK"], errors.ToDictionary().Keys.Order(StringComparer.Ordinal));
    }
}
