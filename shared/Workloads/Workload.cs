using System.Text.Json;
using Serverless.Jobs;

namespace Serverless.Workloads;

/// <summary>
/// Typed base for workloads: read parameters, plan one shard deterministically, run it, combine partials,
/// finish. Adding a workload means deriving from this class and registering it in <see cref="WorkloadCatalog"/>.
/// </summary>
public abstract class Workload<TParameters, TShard, TPartial, TResult> : IShardWorkload
{
    public abstract string Name { get; }

    public virtual string Description => string.Empty;

    public IReadOnlyList<FieldDescription> DescribeParameters()
    {
        var reader = new JsonFieldReader(new Dictionary<string, JsonElement>(), "parameters.", new ValidationErrors());
        ReadParameters(reader, shards: 1);
        return reader.Described;
    }

    /// <summary>Reads and validates parameters; bad fields go to <see cref="JsonFieldReader.Errors"/>.</summary>
    public abstract TParameters ReadParameters(JsonFieldReader reader, int shards);

    /// <summary>The work of one shard: a pure function of the parameters and the position.</summary>
    public abstract TShard Plan(TParameters parameters, ShardPosition position);

    public abstract ValueTask<TPartial> RunAsync(TShard shard, CancellationToken cancellationToken);

    public abstract TPartial Combine(TPartial left, TPartial right);

    public abstract ValueTask<TResult> FinishAsync(TPartial combined, TParameters parameters, JobContext job, CancellationToken cancellationToken);

    /// <summary>The shard count when a spec gives none; workloads that can estimate their work override it.</summary>
    public virtual int DefaultShards(TParameters parameters) => JobLimits.DefaultShards;

    public int DefaultShards(IReadOnlyDictionary<string, JsonElement> parameters)
    {
        // Bad fields read as their defaults (or zero); Validate reports them, a default only needs a number.
        var reader = new JsonFieldReader(parameters, "parameters.", new ValidationErrors());
        return DefaultShards(ReadParameters(reader, shards: 1));
    }

    public void Validate(IReadOnlyDictionary<string, JsonElement> parameters, int shards, ValidationErrors errors)
    {
        var reader = new JsonFieldReader(parameters, "parameters.", errors);
        ReadParameters(reader, shards);
        reader.RejectUnknown();
    }

    public async ValueTask<JsonElement> RunShardAsync(ShardPosition position, IReadOnlyDictionary<string, JsonElement> parameters, CancellationToken cancellationToken)
    {
        var shard = Plan(Read(parameters, position.Count), position);
        return WorkloadJson.ToJson(await RunAsync(shard, cancellationToken).ConfigureAwait(false));
    }

    public JsonElement Combine(JsonElement left, JsonElement right) =>
        WorkloadJson.ToJson(Combine(WorkloadJson.FromJson<TPartial>(left), WorkloadJson.FromJson<TPartial>(right)));

    public async ValueTask<JsonElement> FinishAsync(JsonElement combined, IReadOnlyDictionary<string, JsonElement> parameters, JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return WorkloadJson.ToJson(await FinishAsync(WorkloadJson.FromJson<TPartial>(combined), Read(parameters, job.Shards), job, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Enough shards of at most <paramref name="workPerShard"/> units each for <paramref name="work"/>, within the spec limits.</summary>
    protected static int ShardsFor(long work, long workPerShard) =>
        (int)Math.Clamp((work + workPerShard - 1) / workPerShard, 1, JobLimits.MaxShards);

    /// <summary>Reads parameters that were validated when the job was submitted.</summary>
    protected TParameters Read(IReadOnlyDictionary<string, JsonElement> parameters, int shards) =>
        WorkloadJson.Read(parameters, Name, reader => ReadParameters(reader, shards));
}
