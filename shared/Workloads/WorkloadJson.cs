using System.Text.Json;
using Serverless.Jobs;

namespace Serverless.Workloads;

/// <summary>The JSON both typed workload bases use for partials, results and parameters.</summary>
internal static class WorkloadJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static JsonElement ToJson<T>(T value) => JsonSerializer.SerializeToElement(value, Json);

    public static T FromJson<T>(JsonElement value) =>
        value.Deserialize<T>(Json) ?? throw new InvalidDataException($"Partial is not a {typeof(T).Name}.");

    /// <summary>Reads parameters that were validated when the job was submitted.</summary>
    public static T Read<T>(IReadOnlyDictionary<string, JsonElement> parameters, string workload, Func<JsonFieldReader, T> read)
    {
        var errors = new ValidationErrors();
        var result = read(new JsonFieldReader(parameters, "parameters.", errors));
        return errors.IsEmpty ? result : throw new ArgumentException($"Invalid {workload} parameters: {errors}");
    }
}
