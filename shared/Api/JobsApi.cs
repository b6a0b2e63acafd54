using System.Globalization;
using Microsoft.AspNetCore.Http;
using System.Text.Json;
using Serverless.Jobs;
using Microsoft.DurableTask.Client;
using Serverless.Stages;
using Serverless.Storage;

namespace Serverless.Api;

/// <summary>
/// The HTTP API, written once against ASP.NET Core's <see cref="HttpRequest"/> and <see cref="IResult"/> so
/// the Functions app and the local host serve identical responses. Errors are RFC 7807 problem+json.
/// </summary>
public static class JobsApi
{
    public const int MaxPageSize = 1000;
    public const int DefaultPageSize = 50;

    /// <summary>A listing returns at most 5,000 blobs a request (Azure Blob Storage's List Blobs maxresults limit).</summary>
    public const int MaxCallPageSize = 5000;
    private const string FilesSegment = "/files/";

    public static async Task<IResult> SubmitAsync(HttpRequest request, JobService jobs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        var errors = new ValidationErrors();
        var jobId = await jobs.SubmitAsync(body, errors, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (jobId is null)
        {
            return Results.ValidationProblem(errors.ToDictionary(), detail: errors.ToString(), title: "The job spec is invalid.");
        }

        return Accepted(request, jobId);
    }

    public static async Task<IResult> GetStatusAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        var job = await jobs.GetAsync(id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return job is null ? NotFound(id) : Results.Json(job, JobJson.Options);
    }

    /// <summary>GET /api/jobs: a page of jobs, newest first; filters status, workload, createdAfter, createdBefore.</summary>
    public static async Task<IResult> ListAsync(HttpRequest request, JobService jobs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        var errors = new ValidationErrors();
        var query = new JobListQuery(
            QueryInt(request, "pageSize", 1, MaxPageSize, DefaultPageSize, errors),
            QueryToken(request, errors),
            QueryStatuses(request, errors),
            QueryText(request, "workload"),
            QueryTime(request, "createdAfter", errors),
            QueryTime(request, "createdBefore", errors));
        if (!errors.IsEmpty)
        {
            return Results.ValidationProblem(errors.ToDictionary(), detail: errors.ToString(), title: "The query is invalid.");
        }

        return Results.Json(await jobs.ListAsync(query, request.HttpContext.RequestAborted).ConfigureAwait(false), JobJson.Options);
    }

    public static async Task<IResult> CancelAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        return await jobs.CancelAsync(id, request.HttpContext.RequestAborted).ConfigureAwait(false) switch
        {
            CancelOutcome.NotFound => NotFound(id),
            CancelOutcome.AlreadyFinished => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has already finished.", detail: $"Job '{id}' is no longer running, so there is nothing to cancel."),
            _ => Accepted(request, id),
        };
    }

    public static async Task<IResult> GetResultAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        var job = await jobs.GetAsync(id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (job is null)
        {
            return NotFound(id);
        }

        if (job.Output?.Blobs.Result is null)
        {
            var reason = job.Error is null ? string.Empty : $" ({job.Error})";
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has no result.", detail: $"Job '{id}' is {job.Phase}{reason}; a result exists once it completes.");
        }

        var content = await jobs.ReadResultAsync(id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return content is null
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "The result blob is missing.", detail: $"'{job.Output.Blobs.Result}' does not exist.")
            : Results.Bytes(content.ToMemory(), "application/json");
    }

    /// <summary>POST /api/jobs/{id}/redrive: runs a finished job's failed shards and items again.</summary>
    public static async Task<IResult> RedriveAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        return await jobs.RedriveAsync(id, request.HttpContext.RequestAborted).ConfigureAwait(false) switch
        {
            RedriveOutcome.NotFound => NotFound(id),
            RedriveOutcome.NotFinished => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has not finished.", detail: $"Job '{id}' is still running (or was canceled); redrive a job that completed or failed."),
            RedriveOutcome.NothingToRedrive => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Nothing to redrive.", detail: $"Job '{id}' has no failed shards or items in its manifest."),
            _ => Accepted(request, id),
        };
    }

    /// <summary>POST /api/jobs/{id}/suspend: no new shard starts until the job is resumed.</summary>
    public static async Task<IResult> SuspendAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        return Paused(request, id, await jobs.SuspendAsync(id, request.HttpContext.RequestAborted).ConfigureAwait(false), "is not running, so it cannot be suspended");
    }

    /// <summary>POST /api/jobs/{id}/resume: a suspended job carries on where it stopped.</summary>
    public static async Task<IResult> ResumeAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        return Paused(request, id, await jobs.ResumeAsync(id, request.HttpContext.RequestAborted).ConfigureAwait(false), "is not suspended, so there is nothing to resume");
    }

    private static IResult Paused(HttpRequest request, string id, PauseOutcome outcome, string wrongState) => outcome switch
    {
        PauseOutcome.NotFound => NotFound(id),
        PauseOutcome.WrongState => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job is in the wrong state.", detail: $"Job '{id}' {wrongState}."),
        _ => Accepted(request, id),
    };

    /// <summary>DELETE /api/jobs/{id}: purges a finished job's history (and with ?blobs=true its results folder).</summary>
    public static async Task<IResult> PurgeAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        var errors = new ValidationErrors();
        var blobs = QueryBool(request, "blobs", errors);
        if (!errors.IsEmpty)
        {
            return Results.ValidationProblem(errors.ToDictionary(), detail: errors.ToString(), title: "The query is invalid.");
        }

        var report = await jobs.PurgeAsync(id, blobs, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return report.Outcome switch
        {
            PurgeOutcome.NotFound => NotFound(id),
            PurgeOutcome.StillRunning => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job is still running.", detail: $"Job '{id}' (or one of its ranges) has not finished; cancel it first or wait."),
            _ => Results.NoContent(),
        };
    }

    /// <summary>POST /api/jobs/{id}/gpu-stage/callback: a stage execution reports its end, proving itself with its secret.</summary>
    public static async Task<IResult> CompleteGpuStageAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        var aborted = request.HttpContext.RequestAborted;
        var secret = request.Headers[StageEnvironment.SecretHeader].ToString();
        var authorization = await jobs.AuthorizeGpuStageCallbackAsync(id, secret, aborted).ConfigureAwait(false);
        if (authorization != StageCallbackOutcome.Authorized)
        {
            return Refusal(authorization, id);
        }

        var errors = new ValidationErrors();
        var signal = await ReadCallbackAsync(request, errors).ConfigureAwait(false);
        if (signal is null)
        {
            return Results.ValidationProblem(errors.ToDictionary(), detail: errors.ToString(), title: "The callback body is invalid.");
        }

        await jobs.RaiseGpuStageSignalAsync(id, signal, aborted).ConfigureAwait(false);
        return Results.Accepted();
    }

    private static IResult Refusal(StageCallbackOutcome outcome, string id) =>
        outcome switch
        {
            StageCallbackOutcome.NotFound => NotFound(id),
            StageCallbackOutcome.NoStage => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "The job has no GPU stage.", detail: $"Job '{id}' has not launched a GPU stage execution."),
            StageCallbackOutcome.MissingSecret => Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The execution's secret is missing.", detail: $"Send the secret the execution was given in the '{StageEnvironment.SecretHeader}' header."),
            StageCallbackOutcome.WrongSecret => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The execution's secret is wrong.", detail: $"The '{StageEnvironment.SecretHeader}' header does not match the secret of job '{id}''s GPU stage."),
            _ => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has already finished.", detail: $"Job '{id}' is no longer waiting for its GPU stage."),
        };

    private static async Task<GpuStageSignal?> ReadCallbackAsync(HttpRequest request, ValidationErrors errors)
    {
        GpuStageCallback? body = null;
        try
        {
            body = await JsonSerializer.DeserializeAsync<GpuStageCallback>(request.Body, JobJson.Options, request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            errors.Add("$", $"is not valid JSON: {ex.Message}");
            return null;
        }

        switch (body?.Status)
        {
            case "Succeeded":
                return new GpuStageSignal(true, null);
            case "Failed":
                return new GpuStageSignal(false, string.IsNullOrWhiteSpace(body.Error) ? "the execution reported a failure without a reason." : body.Error);
            default:
                errors.Add("status", "must be 'Succeeded' or 'Failed'.");
                return null;
        }
    }

    /// <summary>GET /api/workloads: every workload with its spec fields and parameters, for a submit form.</summary>
    public static IResult DescribeWorkloads(JobService jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return Results.Json(new { workloads = jobs.DescribeWorkloads() }, JobJson.Options);
    }

    /// <summary>GET /api/jobs/{id}/calls: a page of the job's finished activity calls, for its timeline.</summary>
    public static async Task<IResult> ListCallsAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        var errors = new ValidationErrors();
        var pageSize = QueryInt(request, "pageSize", 1, MaxCallPageSize, MaxCallPageSize, errors);
        var token = CallPageTokens.Read(QueryText(request, "continuationToken"), errors);
        if (errors.IsEmpty)
        {
            try
            {
                var page = await jobs.ListCallsAsync(id, pageSize, token, request.HttpContext.RequestAborted).ConfigureAwait(false);
                return page is null ? NotFound(id) : Results.Json(page with { ContinuationToken = CallPageTokens.Write(page.ContinuationToken) }, JobJson.Options);
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == StatusCodes.Status400BadRequest && token is not null)
            {
                // A well-wrapped token around a marker Blob Storage does not accept (Azurite accepts any).
                CallPageTokens.AddInvalid(errors);
            }
        }

        return Results.ValidationProblem(errors.ToDictionary(), detail: errors.ToString(), title: "The query is invalid.");
    }

    /// <summary>GET /api/jobs/{id}/manifest: every shard's record, the item files and the cost, once the job has finished.</summary>
    public static Task<IResult> GetManifestAsync(HttpRequest request, JobService jobs, string id) =>
        FileAsync(request, jobs, id, JobBlobLayout.ManifestName, "The job has no manifest yet: it is written when the job finishes.");

    /// <summary>GET /api/jobs/{id}/files/{name}: a file of the job's folder (an image, an items file), by its name there.</summary>
    public static Task<IResult> GetFileAsync(HttpRequest request, JobService jobs, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Both hosts pass the route's {id} alone; the name is the rest of the path after "{id}/files/" (a job may be named "files").
        var path = request.Path.Value ?? string.Empty;
        var segment = "/" + id + FilesSegment;
        var marker = path.IndexOf(segment, StringComparison.Ordinal);
        var name = marker < 0 ? string.Empty : Uri.UnescapeDataString(path[(marker + segment.Length)..]);
        return FileAsync(request, jobs, id, name, $"'{name}' is not a file of job '{id}'.");
    }

    private static async Task<IResult> FileAsync(HttpRequest request, JobService jobs, string id, string name, string missing)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(jobs);
        if (!await jobs.ExistsAsync(id, request.HttpContext.RequestAborted).ConfigureAwait(false))
        {
            return NotFound(id);
        }

        var file = await jobs.ReadFileAsync(id, name, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return file is null
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "File not found.", detail: missing)
            : Results.Bytes(file.Content.ToMemory(), file.ContentType);
    }

    /// <summary>202 with the job's links, its status route as the Location (Durable's async HTTP pattern).</summary>
    private static IResult Accepted(HttpRequest request, string jobId)
    {
        var links = JobLinks.For(request, jobId);
        return Results.Accepted(links.StatusQueryGetUri, links);
    }

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Job not found.", detail: $"No job has the id '{id}'.");

    private static string? QueryText(HttpRequest request, string name) =>
        request.Query[name].ToString() is { Length: > 0 } text ? text : null;

    private static string? QueryToken(HttpRequest request, ValidationErrors errors)
    {
        var token = QueryText(request, "continuationToken");
        if (token is not null && !JobIndexPositions.IsValid(token))
        {
            errors.Add("continuationToken", "is not a token this API returned.");
            return null;
        }

        return token;
    }

    private static OrchestrationRuntimeStatus[] QueryStatuses(HttpRequest request, ValidationErrors errors)
    {
        var statuses = StatusList.Parse(QueryText(request, "status"), StatusList.JobStatuses);
        if (statuses is null)
        {
            errors.Add("status", $"must list job statuses, comma-separated: {string.Join(", ", StatusList.JobStatuses)}.");
        }

        return statuses ?? [];
    }

    private static DateTimeOffset? QueryTime(HttpRequest request, string name, ValidationErrors errors)
    {
        var text = QueryText(request, name);
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        errors.Add(name, "must be a date and time, such as 2026-12-01T00:00:00Z.");
        return null;
    }

    private static bool QueryBool(HttpRequest request, string name, ValidationErrors errors)
    {
        var text = QueryText(request, name);
        if (text is null)
        {
            return false;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add(name, "must be true or false.");
        return false;
    }

    private static int QueryInt(HttpRequest request, string name, int min, int max, int defaultValue, ValidationErrors errors)
    {
        var text = request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return defaultValue;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add(name, $"must be an integer from {min} to {max}.");
        return defaultValue;
    }
}

/// <summary>The 202 body: where to follow, cancel and fetch the job (Durable's statusQueryGetUri naming).</summary>
public sealed record JobLinks(string Id, string StatusQueryGetUri, string CancelPostUri, string ResultGetUri)
{
    /// <summary>The status route of a job, relative to the host: the same in Azure and locally.</summary>
    public static string StatusPath(string jobId) => "/api/" + JobRoutes.Job.Replace("{id}", Uri.EscapeDataString(jobId), StringComparison.Ordinal);

    public static JobLinks For(HttpRequest request, string jobId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var status = $"{request.Scheme}://{request.Host}{request.PathBase}{StatusPath(jobId)}";
        return new JobLinks(jobId, status, status + "/cancel", status + "/result");
    }
}
