namespace Serverless.Jobs;

/// <summary>
/// One field of a spec as <c>GET /api/workloads</c> describes it: its path (the name its validation errors
/// use, e.g. <c>parameters.samples</c>), JSON type, whether it is required, its default and its limits.
/// Recorded by <see cref="JsonFieldReader"/> as it reads, so the description and the validation are one code path.
/// </summary>
public sealed record FieldDescription(string Name, string Type, bool Required, object? Default, double? Minimum, double? Maximum);
