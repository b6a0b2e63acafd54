using Microsoft.DurableTask;
using Serverless.Storage;

namespace Serverless.Orchestration.Activities;

/// <summary>
/// Writes <c>results/{jobId}/spec.json</c> before any shard runs: the one copy of the parameters and inline
/// items that shard calls read. Run again (a redrive, a replayed call), it writes the same document.
/// </summary>
public sealed class StoreSpecActivity : TaskActivity<StoreSpecInput, bool>
{
    private readonly JobDocuments _documents;

    public StoreSpecActivity(JobDocuments documents)
    {
        _documents = documents;
    }

    public override Task<bool> RunAsync(TaskActivityContext context, StoreSpecInput input) => ExecuteAsync(input);

    public async Task<bool> ExecuteAsync(StoreSpecInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await _documents.StoreSpecAsync(input.JobId, input.Spec).ConfigureAwait(false);
        return true;
    }
}
