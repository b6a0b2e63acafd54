using System.Text.Json;
using Serverless.Jobs;

namespace Serverless.Workloads;

/// <summary>
/// A computation the engine can fan out: either an <see cref="IShardWorkload"/> or an <see cref="IItemWorkload"/>. Shard outputs ("partials") are JSON so the engine can store, combine
/// and finish them without knowing their type; <see cref="Workload{TParameters,TShard,TPartial,TResult}"/>
/// gives implementations typed methods instead.
/// </summary>
public interface IWorkload
{
    /// <summary>The name a job spec uses, e.g. "montecarlo-pi".</summary>
    string Name { get; }

    /// <summary>One sentence on what it computes, for the dashboard's submit form.</summary>
    string Description { get; }

    /// <summary>Its parameters as a form needs them, read off the same code that validates them.</summary>
    IReadOnlyList<FieldDescription> DescribeParameters();

    /// <summary>Checks the parameters for a job of <paramref name="shards"/> shards; errors name each bad field.</summary>
    void Validate(IReadOnlyDictionary<string, JsonElement> parameters, int shards, ValidationErrors errors);

    /// <summary>Combines two partials; must be associative so reduction can be hierarchical.</summary>
    JsonElement Combine(JsonElement left, JsonElement right);

    /// <summary>
    /// Turns the combination of every succeeded shard's partial into the job's result (and, for workloads that
    /// produce files, writes them into the job's folder).
    /// </summary>
    ValueTask<JsonElement> FinishAsync(JsonElement combined, IReadOnlyDictionary<string, JsonElement> parameters, JobContext job, CancellationToken cancellationToken);
}

/// <summary>
/// A workload whose shards are computed from their position alone (<see cref="Workload{TParameters,TShard,TPartial,TResult}"/>);
/// item workloads (<see cref="IItemWorkload"/>) read their shards' items instead.
/// </summary>
public interface IShardWorkload : IWorkload
{
    /// <summary>
    /// The shard count of a job whose spec leaves <c>shards</c> out, sized from the parameters and within the
    /// limits <see cref="IWorkload.Validate"/> enforces. The parameters may be invalid (Validate reports that),
    /// so this must not throw.
    /// </summary>
    int DefaultShards(IReadOnlyDictionary<string, JsonElement> parameters);

    /// <summary>Computes one shard and returns its partial result.</summary>
    ValueTask<JsonElement> RunShardAsync(ShardPosition position, IReadOnlyDictionary<string, JsonElement> parameters, CancellationToken cancellationToken);
}

/// <summary>Which shard of how many, with the job's seed and the attempt being made, in which job.</summary>
public sealed record ShardPosition(int Index, int Count, long Seed, int Attempt = 1, string JobId = "");

/// <summary>The job a result is finished for: its id (hence its blob folder) and its shard count.</summary>
public sealed record JobContext(string JobId, int Shards);
