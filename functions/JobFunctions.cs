using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.Api;
using Serverless.Jobs;
using Serverless.Stages;
using Serverless.Storage;

namespace Serverless.Functions;

/// <summary>The HTTP API: thin triggers over the shared <see cref="JobsApi"/>; function keys guard every route.</summary>
public sealed class JobFunctions
{
    private readonly IBlobStore _blobs;
    private readonly JobSpecParser _parser;
    private readonly JobEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly IStageLauncher _stages;

    public JobFunctions(IBlobStore blobs, JobSpecParser parser, JobEngineOptions options, TimeProvider time, IStageLauncher stages)
    {
        _blobs = blobs;
        _parser = parser;
        _options = options;
        _time = time;
        _stages = stages;
    }

    [Function("SubmitJob")]
    public async Task<IActionResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobsApi.Route)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        new ResultAction(await JobsApi.SubmitAsync(request, Jobs(client)).ConfigureAwait(false));

    [Function("ListJobs")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobsApi.Route)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        new ResultAction(await JobsApi.ListAsync(request, Jobs(client), _time).ConfigureAwait(false));

    [Function("GetJob")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobsApi.Route + "/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        new ResultAction(await JobsApi.GetStatusAsync(request, Jobs(client), id).ConfigureAwait(false));

    [Function("CancelJob")]
    public async Task<IActionResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobsApi.Route + "/{id}/cancel")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        new ResultAction(await JobsApi.CancelAsync(request, Jobs(client), id).ConfigureAwait(false));

    [Function("GetJobResult")]
    public async Task<IActionResult> GetResultAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobsApi.Route + "/{id}/result")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        new ResultAction(await JobsApi.GetResultAsync(request, Jobs(client), id).ConfigureAwait(false));

    [Function("RedriveJob")]
    public async Task<IActionResult> RedriveAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobsApi.Route + "/{id}/redrive")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        new ResultAction(await JobsApi.RedriveAsync(request, Jobs(client), id).ConfigureAwait(false));

    /// <summary>Anonymous to the Functions host: the container has no function key; the per-execution secret guards it.</summary>
    [Function("CompleteGpuStage")]
    public async Task<IActionResult> CompleteGpuStageAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = StageCallbackOptions.Route)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        new ResultAction(await JobsApi.CompleteGpuStageAsync(request, Jobs(client), id).ConfigureAwait(false));

    private JobService Jobs(DurableTaskClient client) => new(client, _blobs, _parser, _options, _stages);

    /// <summary>Runs the shared minimal-API result inside the Functions ASP.NET Core pipeline.</summary>
    private sealed class ResultAction : IActionResult
    {
        private readonly IResult _result;

        public ResultAction(IResult result)
        {
            _result = result;
        }

        public Task ExecuteResultAsync(ActionContext context) => _result.ExecuteAsync(context.HttpContext);
    }
}
