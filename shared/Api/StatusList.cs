using Microsoft.DurableTask.Client;

namespace Serverless.Api;

/// <summary>Comma-separated runtime status names ("Completed,Failed"), as the job list's filter and the purge command take them.</summary>
public static class StatusList
{
    /// <summary>What a top-level job can be in.</summary>
    public static IReadOnlyList<OrchestrationRuntimeStatus> JobStatuses { get; } =
    [
        OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended,
        OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated,
    ];

    /// <summary>The finished ones: only these can be purged.</summary>
    public static IReadOnlyList<OrchestrationRuntimeStatus> Finished { get; } =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    /// <summary>The statuses named (any case), or null when one is not in <paramref name="allowed"/>; empty text gives an empty list.</summary>
    public static OrchestrationRuntimeStatus[]? Parse(string? text, IReadOnlyList<OrchestrationRuntimeStatus> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var statuses = new List<OrchestrationRuntimeStatus>();
        foreach (var name in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var matches = allowed.Where(status => string.Equals(status.ToString(), name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 0)
            {
                return null;
            }

            statuses.Add(matches[0]);
        }

        return [.. statuses];
    }
}
