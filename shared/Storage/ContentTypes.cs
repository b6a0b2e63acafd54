namespace Serverless.Storage;

/// <summary>The content type of a job file, from its extension: set when it is written and when the API serves it.</summary>
public static class ContentTypes
{
    public static string Of(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".JSON" => "application/json",
        ".JSONL" => "application/x-ndjson",
        ".PNG" => "image/png",
        ".TXT" => "text/plain; charset=utf-8",
        ".CSV" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    };
}
