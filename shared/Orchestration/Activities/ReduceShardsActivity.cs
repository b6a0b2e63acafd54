using Microsoft.DurableTask;

namespace Serverless.Orchestration.Activities;

/// <summary>Reduces the shards of one leaf range into its range record.</summary>
public sealed class ReduceShardsActivity : TaskActivity<ReduceShardsInput, RangeSummary>
{
    private readonly RangeReducer _reducer;

    public ReduceShardsActivity(RangeReducer reducer)
    {
        _reducer = reducer;
    }

    public override Task<RangeSummary> RunAsync(TaskActivityContext context, ReduceShardsInput input) => _reducer.ReduceShardsAsync(input);
}

/// <summary>Merges child range records into their parent's.</summary>
public sealed class MergeRangesActivity : TaskActivity<MergeRangesInput, RangeSummary>
{
    private readonly RangeReducer _reducer;

    public MergeRangesActivity(RangeReducer reducer)
    {
        _reducer = reducer;
    }

    public override Task<RangeSummary> RunAsync(TaskActivityContext context, MergeRangesInput input) => _reducer.MergeRangesAsync(input);
}

/// <summary>Finds a range's record if an earlier execution of the same range already wrote it.</summary>
public sealed class FindRangeActivity : TaskActivity<FindRangeInput, RangeSummary?>
{
    private readonly RangeReducer _reducer;

    public FindRangeActivity(RangeReducer reducer)
    {
        _reducer = reducer;
    }

    public override Task<RangeSummary?> RunAsync(TaskActivityContext context, FindRangeInput input) => _reducer.FindRangeAsync(input);
}
