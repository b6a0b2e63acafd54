using System.Buffers.Text;
using System.Text;
using Serverless.Jobs;

namespace Serverless.Api;

/// <summary>
/// The calls listing's continuation token: the storage listing's marker, wrapped with a tag so that a token
/// this API did not hand out is a 400 naming the field, not an error from storage.
/// </summary>
public static class CallPageTokens
{
    private const string Tag = "calls:";

    public static string? Write(string? marker) =>
        marker is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Tag + marker));

    public static string? Read(string? token, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (token is null)
        {
            return null;
        }

        var bytes = new byte[Base64Url.GetMaxDecodedLength(token.Length)];
        // IsValid first: decoding throws, rather than returning false, on characters outside the alphabet.
        if (Base64Url.IsValid(token)
            && Base64Url.TryDecodeFromChars(token, bytes, out var written)
            && Encoding.UTF8.GetString(bytes, 0, written) is { } text
            && text.Length > Tag.Length
            && text.StartsWith(Tag, StringComparison.Ordinal))
        {
            return text[Tag.Length..];
        }

        AddInvalid(errors);
        return null;
    }

    /// <summary>Names the query's token as invalid.</summary>
    public static void AddInvalid(ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        errors.Add("continuationToken", "is not a token this API returned.");
    }
}
