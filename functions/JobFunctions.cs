using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.Api;
using Serverless.Stages;

namespace Serverless.Functions;

/// <summary>
/// The HTTP API: one trigger per <see cref="JobRoutes.All"/> entry, each handing its request to the route's
/// shared handler. Function keys guard every route but the GPU stage callback and the dashboard's static files.
/// </summary>
public sealed class JobFunctions
{
    private readonly JobServices _jobs;

    public JobFunctions(JobServices jobs)
    {
        _jobs = jobs;
    }

    [Function("SubmitJob")]
    public Task<IActionResult> SubmitJobAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobRoutes.Jobs)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        HandleAsync("SubmitJob", request, client, "");

    [Function("ListJobs")]
    public Task<IActionResult> ListJobsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobRoutes.Jobs)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        HandleAsync("ListJobs", request, client, "");

    [Function("GetJob")]
    public Task<IActionResult> GetJobAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobRoutes.Job)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("GetJob", request, client, id);

    [Function("PurgeJob")]
    public Task<IActionResult> PurgeJobAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = JobRoutes.Job)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("PurgeJob", request, client, id);

    [Function("CancelJob")]
    public Task<IActionResult> CancelJobAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobRoutes.Cancel)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("CancelJob", request, client, id);

    [Function("GetJobResult")]
    public Task<IActionResult> GetJobResultAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobRoutes.Result)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("GetJobResult", request, client, id);

    [Function("RedriveJob")]
    public Task<IActionResult> RedriveJobAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobRoutes.Redrive)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("RedriveJob", request, client, id);

    [Function("SuspendJob")]
    public Task<IActionResult> SuspendJobAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobRoutes.Suspend)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("SuspendJob", request, client, id);

    [Function("ResumeJob")]
    public Task<IActionResult> ResumeJobAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobRoutes.Resume)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("ResumeJob", request, client, id);

    [Function("ListJobCalls")]
    public Task<IActionResult> ListJobCallsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobRoutes.Calls)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("ListJobCalls", request, client, id);

    [Function("GetJobManifest")]
    public Task<IActionResult> GetJobManifestAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobRoutes.Manifest)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("GetJobManifest", request, client, id);

    [Function("GetJobFile")]
    public Task<IActionResult> GetJobFileAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobRoutes.Files)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("GetJobFile", request, client, id);

    [Function("ListWorkloads")]
    public Task<IActionResult> ListWorkloadsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobRoutes.Workloads)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        HandleAsync("ListWorkloads", request, client, "");

    [Function("CompleteGpuStage")]
    public Task<IActionResult> CompleteGpuStageAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = StageCallbackOptions.Route)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id) =>
        HandleAsync("CompleteGpuStage", request, client, id);

    [Function("Dashboard")]
    public Task<IActionResult> DashboardAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = JobRoutes.Dashboard)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        HandleAsync("Dashboard", request, client, "");

    [Function("DashboardFile")]
    public Task<IActionResult> DashboardFileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = JobRoutes.DashboardFile)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        HandleAsync("DashboardFile", request, client, "");

    private async Task<IActionResult> HandleAsync(string functionName, HttpRequest request, DurableTaskClient client, string id) =>
        new ResultAction(await JobRoutes.Named(functionName).Handle(request, _jobs.For(client), id).ConfigureAwait(false));

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
