using Microsoft.AspNetCore.Http;
using Serverless.Dashboard;
using Serverless.Stages;

namespace Serverless.Api;

/// <summary>
/// Every HTTP route of the API, declared once. The local host maps this list; the Functions app has one
/// trigger per entry (attributes need constants, hence the templates below), and a test checks the app's
/// generated function metadata against this list.
/// </summary>
public static class JobRoutes
{
    public const string Jobs = "jobs";
    public const string Job = "jobs/{id}";
    public const string Cancel = "jobs/{id}/cancel";
    public const string Result = "jobs/{id}/result";
    public const string Redrive = "jobs/{id}/redrive";
    public const string Suspend = "jobs/{id}/suspend";
    public const string Resume = "jobs/{id}/resume";
    public const string Calls = "jobs/{id}/calls";
    public const string Manifest = "jobs/{id}/manifest";
    public const string Files = "jobs/{id}/files/{*name}";
    public const string Workloads = "workloads";
    public const string Dashboard = "dashboard";
    public const string DashboardFile = "dashboard/{file}";

    public static IReadOnlyList<JobRoute> All { get; } =
    [
        new("SubmitJob", HttpMethods.Post, Jobs, (request, jobs, _) => JobsApi.SubmitAsync(request, jobs)),
        new("ListJobs", HttpMethods.Get, Jobs, (request, jobs, _) => JobsApi.ListAsync(request, jobs)),
        new("GetJob", HttpMethods.Get, Job, JobsApi.GetStatusAsync),
        new("PurgeJob", HttpMethods.Delete, Job, JobsApi.PurgeAsync),
        new("CancelJob", HttpMethods.Post, Cancel, JobsApi.CancelAsync),
        new("GetJobResult", HttpMethods.Get, Result, JobsApi.GetResultAsync),
        new("RedriveJob", HttpMethods.Post, Redrive, JobsApi.RedriveAsync),
        new("SuspendJob", HttpMethods.Post, Suspend, JobsApi.SuspendAsync),
        new("ResumeJob", HttpMethods.Post, Resume, JobsApi.ResumeAsync),
        new("ListJobCalls", HttpMethods.Get, Calls, JobsApi.ListCallsAsync),
        new("GetJobManifest", HttpMethods.Get, Manifest, JobsApi.GetManifestAsync),
        new("GetJobFile", HttpMethods.Get, Files, JobsApi.GetFileAsync),
        new("ListWorkloads", HttpMethods.Get, Workloads, (_, jobs, _) => Task.FromResult(JobsApi.DescribeWorkloads(jobs))),
        // The stage container holds no function key: the per-execution secret guards this route instead.
        new("CompleteGpuStage", HttpMethods.Post, StageCallbackOptions.Route, JobsApi.CompleteGpuStageAsync, Anonymous: true),
        // The page's own files hold no data (they are this repository's files); every API call they make carries the key.
        new("Dashboard", HttpMethods.Get, Dashboard, (request, _, _) => DashboardFiles.ServePageAsync(request), Anonymous: true),
        new("DashboardFile", HttpMethods.Get, DashboardFile, (request, _, _) => DashboardFiles.ServeFileAsync(request), Anonymous: true),
    ];

    public static JobRoute Named(string functionName) =>
        All.Single(route => string.Equals(route.FunctionName, functionName, StringComparison.Ordinal));
}

/// <summary>One route: the Functions app's function name for it, its method and template under /api, and its handler.</summary>
/// <param name="Handle">Gets the request, the job service and the <c>{id}</c> route value (empty on routes without one).</param>
/// <param name="Anonymous">True where no function key is asked for.</param>
public sealed record JobRoute(string FunctionName, string Method, string Template, Func<HttpRequest, JobService, string, Task<IResult>> Handle, bool Anonymous = false);
