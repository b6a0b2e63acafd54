using System.Text.Json;
using Serverless.Items;
using Serverless.Workloads;

namespace Serverless.Jobs;

/// <summary>Turns a submitted JSON document into a <see cref="JobSpec"/>, or into errors that name every bad field.</summary>
public sealed class JobSpecParser
{
    private readonly WorkloadCatalog _workloads;

    public JobSpecParser(WorkloadCatalog workloads)
    {
        _workloads = workloads;
    }

    /// <summary>The workloads specs are checked against.</summary>
    public WorkloadCatalog Workloads => _workloads;

    public JobSpec? Parse(string json, ValidationErrors errors)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            errors.Add("$", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}");
            return null;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "must be a JSON object with at least 'workload'.");
            return null;
        }

        return Read(new JsonFieldReader(JsonFieldReader.Properties(root), string.Empty, errors));
    }

    /// <summary>
    /// The spec's own fields for a job of <paramref name="workload"/> (its parameters aside), with their defaults
    /// and limits, read off the parse itself so the description cannot drift from the validation.
    /// </summary>
    public IReadOnlyList<FieldDescription> DescribeSpec(IWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["workload"] = JsonSerializer.SerializeToElement(workload.Name) };
        var reader = new JsonFieldReader(fields, string.Empty, new ValidationErrors());
        Read(reader);
        return [.. reader.Described.Where(field => field.Name is not "workload" and not "parameters")];
    }

    private JobSpec? Read(JsonFieldReader reader)
    {
        var errors = reader.Errors;
        var workloadName = reader.GetString("workload", required: true);
        IWorkload? workload = null;
        if (workloadName is not null && !_workloads.TryGet(workloadName, out workload))
        {
            errors.Add("workload", $"'{workloadName}' is not a known workload (known: {string.Join(", ", _workloads.Names)}).");
        }

        // An item workload's shards are planned from its input when the job starts.
        var itemWorkload = workload is IItemWorkload;
        if (itemWorkload && reader.Has("shards"))
        {
            errors.Add("shards", $"is planned from the input for '{workloadName}' (see maxItemsPerShard and maxBytesPerShard); leave it out.");
        }

        var parameters = reader.GetObject("parameters");
        var parametersValid = parameters is not null || !reader.Has("parameters");
        parameters ??= new Dictionary<string, JsonElement>();

        // Left out (or bad), the workload sizes the job from its parameters, so they are still checked against a sensible count.
        var shards = itemWorkload ? 1 : reader.GetInt32("shards", 1, JobLimits.MaxShards, DefaultShards(workload, parameters));
        var input = itemWorkload || reader.Has("input") ? ItemInputParser.Read(reader) : null;
        if (!itemWorkload && input is not null && workload is not null)
        {
            errors.Add("input", $"'{workloadName}' does not read items; only item workloads ({string.Join(", ", _workloads.Names.Where(n => _workloads.Get(n) is IItemWorkload))}) take an input.");
        }
        var maxParallelism = reader.GetInt32("maxParallelism", 1, JobLimits.MaxParallelism, itemWorkload ? JobLimits.DefaultMaxParallelism : Math.Min(shards, JobLimits.DefaultMaxParallelism));
        var tolerated = reader.GetDouble("toleratedFailurePercent", 0, 100, defaultValue: 0);
        var seed = reader.GetInt64("seed", long.MinValue, long.MaxValue, defaultValue: 0);
        var retry = ReadRetry(reader);
        reader.RejectUnknown();

        if (workload is not null && parametersValid)
        {
            // Check the parameters even when 'shards' is bad, so one answer names every problem.
            workload.Validate(parameters, shards, errors);
        }

        return errors.IsEmpty
            ? new JobSpec(workloadName!, parameters, shards, maxParallelism, retry, tolerated, seed, itemWorkload ? input : null)
            : null;
    }

    private static int DefaultShards(IWorkload? workload, IReadOnlyDictionary<string, JsonElement> parameters) =>
        workload is IShardWorkload shardWorkload
            ? Math.Clamp(shardWorkload.DefaultShards(parameters), 1, JobLimits.MaxShards)
            : JobLimits.DefaultShards;

    private static RetrySpec ReadRetry(JsonFieldReader parent)
    {
        var fields = parent.GetObject("retry");
        if (fields is null)
        {
            return RetrySpec.Default;
        }

        var defaults = RetrySpec.Default;
        var reader = new JsonFieldReader(fields, parent.Path("retry."), parent.Errors);
        var maxAttempts = reader.GetInt32("maxAttempts", 1, JobLimits.MaxAttempts, defaults.MaxAttempts);
        var first = reader.GetDouble("firstRetryIntervalSeconds", 0, JobLimits.MaxRetryIntervalSeconds, defaults.FirstRetryIntervalSeconds);
        var coefficient = reader.GetDouble("backoffCoefficient", 1, 10, defaults.BackoffCoefficient);
        var max = reader.GetDouble("maxRetryIntervalSeconds", first, JobLimits.MaxRetryIntervalSeconds, Math.Max(first, defaults.MaxRetryIntervalSeconds));
        reader.RejectUnknown();
        return new RetrySpec(maxAttempts, first, coefficient, max);
    }
}
