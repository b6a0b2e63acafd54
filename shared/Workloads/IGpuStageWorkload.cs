using System.Text.Json;
using Serverless.Stages;

namespace Serverless.Workloads;

/// <summary>
/// A workload with a GPU stage: before its shards fan out, the stage program (jobs/gpu-stage) runs
/// <see cref="StageInput.Kernel"/> once over the whole input and writes one output blob, which the shards
/// then read. The engine launches, awaits and checks the stage.
/// </summary>
public interface IGpuStageWorkload : IWorkload
{
    /// <summary>The stage's input document, from the job's (validated) parameters.</summary>
    StageInput PlanStage(IReadOnlyDictionary<string, JsonElement> parameters);

    /// <summary>Null when the blob at <paramref name="outputBlob"/> is the output this job expects; else what is wrong with it.</summary>
    Task<string?> CheckStageOutputAsync(string outputBlob, IReadOnlyDictionary<string, JsonElement> parameters, CancellationToken cancellationToken);
}
