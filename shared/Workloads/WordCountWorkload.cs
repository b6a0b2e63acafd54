using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Items;
using Serverless.Jobs;

namespace Serverless.Workloads;

public sealed record WordCountParameters(int TopK, string Field);

public sealed record WordCountPartial(long Words, Dictionary<string, long> Counts);

public sealed record WordCount(string Word, long Count);

public sealed record WordCountResult(long TotalWords, long DistinctWords, IReadOnlyList<WordCount> Top);

/// <summary>
/// Map-reduce word count over text items: a word is a maximal run of letters (Unicode letters, so "naïve"
/// is one word and "don't" is two), compared in lower case (invariant culture). Text lines are counted
/// whole; JSONL documents and CSV rows by their <c>field</c> (default "text"). Each item's line in the result
/// files holds its word count; the result has the totals and the <c>topK</c> most frequent words.
/// </summary>
public sealed class WordCountWorkload : ItemWorkload<WordCountParameters, IReadOnlyList<string>, WordCountPartial, WordCountResult>
{
    public override string Name => "wordcount";

    public override string Description => "Counts words in text, CSV or JSONL files, one item per line.";

    public override WordCountParameters ReadParameters(JsonFieldReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new(reader.GetInt32("topK", 0, 10_000, defaultValue: 20), reader.GetString("field", required: false) ?? "text");
    }

    public override ValueTask<IReadOnlyList<string>> ProcessAsync(Item item, WordCountParameters parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(parameters);
        var text = item.Value.ValueKind switch
        {
            JsonValueKind.String => item.Value.GetString()!,
            JsonValueKind.Object when item.Value.TryGetProperty(parameters.Field, out var field) && field.ValueKind == JsonValueKind.String => field.GetString()!,
            _ => throw new InvalidDataException($"The item is neither text nor an object with a string '{parameters.Field}' field."),
        };
        return ValueTask.FromResult(Words(text));
    }

    /// <summary>The words of <paramref name="text"/>, lower-cased: maximal runs of letters.</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetter(rune))
            {
                word.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    public override WordCountPartial Empty(WordCountParameters parameters) => new(0, new Dictionary<string, long>(StringComparer.Ordinal));

    public override WordCountPartial Accumulate(WordCountPartial shardPartial, IReadOnlyList<string> result, WordCountParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(shardPartial);
        ArgumentNullException.ThrowIfNull(result);
        foreach (var word in result)
        {
            shardPartial.Counts[word] = shardPartial.Counts.GetValueOrDefault(word) + 1;
        }

        return shardPartial with { Words = shardPartial.Words + result.Count };
    }

    public override WordCountPartial Combine(WordCountPartial left, WordCountPartial right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var counts = new Dictionary<string, long>(left.Counts, StringComparer.Ordinal);
        foreach (var (word, count) in right.Counts)
        {
            counts[word] = counts.GetValueOrDefault(word) + count;
        }

        return new WordCountPartial(left.Words + right.Words, counts);
    }

    public override ValueTask<WordCountResult> FinishAsync(WordCountPartial combined, WordCountParameters parameters, JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(combined);
        ArgumentNullException.ThrowIfNull(parameters);
        var top = combined.Counts
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(parameters.TopK)
            .Select(c => new WordCount(c.Key, c.Value))
            .ToList();
        return ValueTask.FromResult(new WordCountResult(combined.Words, combined.Counts.Count, top));
    }

    protected override object? Describe(IReadOnlyList<string> result) => new { words = result?.Count ?? 0 };
}
