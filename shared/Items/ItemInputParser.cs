using Serverless.Jobs;

namespace Serverless.Items;

/// <summary>
/// Reads a spec's <c>input</c> object (<c>blob</c> + <c>format</c> + <c>csv</c>, or <c>prefix</c>, or
/// <c>items</c>) and the batching limits <c>maxItemsPerShard</c> and <c>maxBytesPerShard</c> beside it.
/// </summary>
public static class ItemInputParser
{
    public const int MaxItemsPerShardLimit = 1_000_000;
    public const long MaxBytesPerShardLimit = 4L << 30;
    public const int MaxInlineItems = 10_000;

    public static ItemInput? Read(JsonFieldReader spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var maxItems = spec.GetInt32("maxItemsPerShard", 1, MaxItemsPerShardLimit, ItemInput.DefaultMaxItemsPerShard);
        var maxBytes = spec.GetInt64("maxBytesPerShard", 1, MaxBytesPerShardLimit, ItemInput.DefaultMaxBytesPerShard);
        var fields = spec.GetObject("input");
        if (fields is null)
        {
            if (!spec.Has("input"))
            {
                spec.Errors.Add(spec.Path("input"), "is required: {\"blob\": \"container/path\"}, {\"prefix\": \"container/prefix\"} or {\"items\": [...]}.");
            }

            return null;
        }

        var reader = new JsonFieldReader(fields, spec.Path("input."), spec.Errors);
        var blob = reader.Has("blob") ? reader.GetString("blob", required: true) : null;
        var prefix = reader.Has("prefix") ? reader.GetString("prefix", required: true) : null;
        var items = reader.GetArray("items");
        var format = ReadFormat(reader, blob);
        var csv = ReadCsv(reader);
        reader.RejectUnknown();

        var sources = (blob is null ? 0 : 1) + (prefix is null ? 0 : 1) + (items is null ? 0 : 1);
        if (sources != 1 && reader.Errors.IsEmpty)
        {
            reader.Errors.Add(spec.Path("input"), "must have exactly one of 'blob', 'prefix' or 'items'.");
        }

        foreach (var (name, path) in new[] { ("blob", blob), ("prefix", prefix) })
        {
            if (path is not null && (path.IndexOf('/', StringComparison.Ordinal) <= 0 || (name == "blob" && path.EndsWith('/'))))
            {
                reader.Errors.Add(reader.Path(name), $"must look like 'container/{(name == "blob" ? "path/to/file" : "some/prefix")}'.");
            }
        }

        if (items is { Count: > MaxInlineItems })
        {
            reader.Errors.Add(reader.Path("items"), $"holds {items.Count:N0} items; inline input is for at most {MaxInlineItems:N0} (put more in a blob).");
        }

        return new ItemInput(blob, format, csv, prefix, items, maxItems, maxBytes);
    }

    /// <summary>The file's format: given, or from its extension (.jsonl/.ndjson, .csv, anything else is text).</summary>
    private static ItemFormat ReadFormat(JsonFieldReader reader, string? blob)
    {
        var text = reader.GetString("format", required: false);
        if (text is null)
        {
            var extension = Path.GetExtension(blob ?? string.Empty).ToUpperInvariant();
            return extension switch
            {
                ".JSONL" or ".NDJSON" => ItemFormat.Jsonl,
                ".CSV" => ItemFormat.Csv,
                _ => ItemFormat.Text,
            };
        }

        if (Enum.TryParse<ItemFormat>(text, ignoreCase: true, out var format) && Enum.IsDefined(format) && !int.TryParse(text, out _))
        {
            return format;
        }

        reader.Errors.Add(reader.Path("format"), "must be 'text', 'jsonl' or 'csv'.");
        return ItemFormat.Text;
    }

    private static CsvOptions? ReadCsv(JsonFieldReader parent)
    {
        var fields = parent.GetObject("csv");
        if (fields is null)
        {
            return null;
        }

        var reader = new JsonFieldReader(fields, parent.Path("csv."), parent.Errors);
        var delimiter = reader.GetString("delimiter", required: false, allowWhitespace: true) ?? ",";
        var header = reader.GetBoolean("header", defaultValue: true);
        reader.RejectUnknown();
        if (delimiter.Length != 1 || delimiter is "\"" or "\n" or "\r")
        {
            reader.Errors.Add(reader.Path("delimiter"), "must be one character other than a quote or a line break.");
        }

        return new CsvOptions(delimiter[0], header);
    }
}
