using Microsoft.DurableTask.Client;
using Serverless.Api;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Storage;

namespace Serverless.Functions;

/// <summary>
/// Makes the <see cref="JobService"/> of one invocation: the Durable client comes from the trigger's
/// binding, everything else is the app's singletons.
/// </summary>
public sealed class JobServices
{
    private readonly IJobIndex _index;
    private readonly IBlobStore _blobs;
    private readonly JobSpecParser _parser;
    private readonly JobEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly IStageLauncher _stages;

    public JobServices(IJobIndex index, IBlobStore blobs, JobSpecParser parser, JobEngineOptions options, TimeProvider time, IStageLauncher stages)
    {
        _index = index;
        _blobs = blobs;
        _parser = parser;
        _options = options;
        _time = time;
        _stages = stages;
    }

    public JobService For(DurableTaskClient client) => new(new DurableClientEngine(client), _index, _blobs, _parser, _options, _time, _stages);
}
