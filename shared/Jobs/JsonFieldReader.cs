using System.Globalization;
using System.Text.Json;

namespace Serverless.Jobs;

/// <summary>
/// Reads typed fields out of a JSON object and records a precise error per bad field instead of throwing,
/// so one response can name every problem. Unknown fields are errors too: they are usually typos.
/// </summary>
public sealed class JsonFieldReader
{
    private readonly IReadOnlyDictionary<string, JsonElement> _fields;
    private readonly string _prefix;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly List<FieldDescription> _described = [];

    public JsonFieldReader(IReadOnlyDictionary<string, JsonElement> fields, string prefix, ValidationErrors errors)
    {
        _fields = fields;
        _prefix = prefix;
        Errors = errors;
    }

    public ValidationErrors Errors { get; }

    /// <summary>Every field a read asked for, in the order asked, with its type, limits and default: what a form for these fields needs.</summary>
    public IReadOnlyList<FieldDescription> Described => _described;

    public static IReadOnlyDictionary<string, JsonElement> Properties(JsonElement obj) =>
        obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);

    public string Path(string name) => _prefix + name;

    public bool Has(string name) => _fields.ContainsKey(name) && _fields[name].ValueKind != JsonValueKind.Null;

    /// <summary>A string field; whitespace alone counts as empty unless <paramref name="allowWhitespace"/> (a tab delimiter, say).</summary>
    public string? GetString(string name, bool required, bool allowWhitespace = false)
    {
        Describe(name, "string", required);
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text && (allowWhitespace || !string.IsNullOrWhiteSpace(text)))
        {
            return text;
        }

        Errors.Add(Path(name), "must be a non-empty string.");
        return null;
    }

    public bool GetBoolean(string name, bool defaultValue)
    {
        Describe(name, "boolean", required: false, defaultValue);
        if (!TryGet(name, required: false, out var value))
        {
            return defaultValue;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Errors.Add(Path(name), "must be true or false.");
        return defaultValue;
    }

    /// <summary>An optional array: null when absent, and null with an error when not an array.</summary>
    public IReadOnlyList<JsonElement>? GetArray(string name)
    {
        Describe(name, "array", required: false);
        if (!TryGet(name, required: false, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            return [.. value.EnumerateArray().Select(e => e.Clone())];
        }

        Errors.Add(Path(name), "must be a JSON array.");
        return null;
    }

    /// <summary>An optional nested object: null when absent, and null with an error when not an object.</summary>
    public IReadOnlyDictionary<string, JsonElement>? GetObject(string name)
    {
        Describe(name, "object", required: false);
        if (!TryGet(name, required: false, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            return Properties(value);
        }

        Errors.Add(Path(name), "must be a JSON object.");
        return null;
    }

    public long GetInt64(string name, long min, long max, long? defaultValue)
    {
        Describe(name, "integer", defaultValue is null, defaultValue, min, max);
        if (!TryGet(name, defaultValue is null, out var value))
        {
            return defaultValue ?? 0;
        }

        if (TryReadInteger(value, out var integer) && integer >= min && integer <= max)
        {
            return integer;
        }

        Errors.Add(Path(name), $"must be an integer from {Format(min)} to {Format(max)}.");
        return defaultValue ?? 0;
    }

    public int GetInt32(string name, int min, int max, int? defaultValue) =>
        (int)GetInt64(name, min, max, defaultValue);

    public double GetDouble(string name, double min, double max, double? defaultValue)
    {
        Describe(name, "number", defaultValue is null, defaultValue, min, max);
        if (!TryGet(name, defaultValue is null, out var value))
        {
            return defaultValue ?? 0;
        }

        if ((TryReadNumber(value, out var number) || TryParseNumberString(value, out number))
            && double.IsFinite(number) && number >= min && number <= max)
        {
            return number;
        }

        Errors.Add(Path(name), $"must be a number from {Format(min)} to {Format(max)}.");
        return defaultValue ?? 0;
    }

    /// <summary>Records an error for every field that no read asked for.</summary>
    public void RejectUnknown()
    {
        foreach (var name in _fields.Keys.Where(n => !_read.Contains(n)))
        {
            var known = string.Join(", ", _read.Order(StringComparer.Ordinal));
            Errors.Add(Path(name), $"is not a known field (known: {known}).");
        }
    }

    private void Describe(string name, string type, bool required, object? defaultValue = null, double? minimum = null, double? maximum = null)
    {
        if (!_read.Contains(name))
        {
            _described.Add(new FieldDescription(Path(name), type, required, defaultValue, minimum, maximum));
        }
    }

    private bool TryGet(string name, bool required, out JsonElement value)
    {
        _read.Add(name);
        if (_fields.TryGetValue(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        if (required)
        {
            Errors.Add(Path(name), "is required.");
        }

        return false;
    }

    private static bool TryReadNumber(JsonElement value, out double number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out number);
    }

    // Accepts 1e11 as well as 100000000000; parameters given on a command line arrive as strings.
    private static bool TryReadInteger(JsonElement value, out long integer)
    {
        integer = 0;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out integer))
            {
                return true;
            }

            if (value.TryGetDouble(out var number) && number == Math.Floor(number) && Math.Abs(number) < 9e18)
            {
                integer = (long)number;
                return true;
            }

            return false;
        }

        return value.ValueKind == JsonValueKind.String
            && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer);
    }

    private static bool TryParseNumberString(JsonElement value, out double number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    private static string Format(double value) => value.ToString("#,0.###", CultureInfo.InvariantCulture);
}
