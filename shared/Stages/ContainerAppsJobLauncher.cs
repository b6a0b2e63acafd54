using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Stages;

/// <summary>
/// Settings for <see cref="ContainerAppsJobLauncher"/>. <see cref="ClientOptions.Retry"/> (3 retries, exponential from
/// 0.8 s by default) and <see cref="ClientOptions.Transport"/> come from Azure.Core; its retry policy retries 408, 429
/// and 5xx and waits at least what <c>Retry-After</c> asks.
/// </summary>
public sealed class ContainerAppsJobLauncherOptions : ClientOptions
{
    /// <summary>The Microsoft.App api-version every request sends.</summary>
    public const string ApiVersion = "2024-03-01";

    public static Uri DefaultEndpoint { get; } = new("https://management.azure.com");

    /// <summary>The ARM endpoint; https only, since the bearer token policy refuses plain http.</summary>
    public Uri Endpoint { get; set; } = DefaultEndpoint;
}

/// <summary>
/// Runs the GPU stage as one execution of an Azure Container Apps Job through the ARM REST API. The start API replaces the
/// job's template for that execution, so each start sends the job's own containers back with the stage variables merged in.
/// </summary>
public sealed partial class ContainerAppsJobLauncher : IStageLauncher
{
    private const string Scope = "https://management.azure.com/.default";
    private const string StartAction = "start executions";
    private const string ListAction = "list executions";

    // JobExecutionContainer accepts only these; probes, volume mounts and the like would be rejected or ignored.
    private static readonly string[] ExecutionContainerFields = ["name", "image", "command", "args"];

    private readonly string _jobResourceId;
    private readonly Uri _jobUri;
    private readonly HttpPipeline _pipeline;
    private readonly string _credentialName;
    private readonly int _maxRetries;
    private readonly TimeSpan _retryDelay;
    private readonly TimeSpan _retryMaxDelay;
    private volatile JobTemplate? _template;

    public ContainerAppsJobLauncher(string jobResourceId, TokenCredential credential, ContainerAppsJobLauncherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(jobResourceId);
        ArgumentNullException.ThrowIfNull(credential);
        if (!JobResourceIdPattern().IsMatch(jobResourceId))
        {
            throw new ArgumentException(
                $"'{jobResourceId}' is not a Container Apps job resource id; expected /subscriptions/{{subscription}}/resourceGroups/{{group}}/providers/Microsoft.App/jobs/{{name}} (check GpuStage__JobResourceId).",
                nameof(jobResourceId));
        }

        options ??= new ContainerAppsJobLauncherOptions();
        if (options.Endpoint is not { IsAbsoluteUri: true } endpoint || endpoint.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"The ARM endpoint must be an absolute https URI, not '{options.Endpoint}'.", nameof(options));
        }

        _jobResourceId = jobResourceId;
        _jobUri = new Uri(endpoint, jobResourceId);
        _credentialName = credential.GetType().Name;
        _maxRetries = options.Retry.MaxRetries;
        _retryDelay = options.Retry.Delay;
        _retryMaxDelay = options.Retry.MaxDelay;

        // No options.RetryPolicy override here: the default policy is what honours Retry-After.
        _pipeline = HttpPipelineBuilder.Build(options, new BearerTokenAuthenticationPolicy(new GuardedCredential(credential), Scope));
    }

    /// <remarks>
    /// ARM names each execution anew, so a start resent after a lost answer would start a second one. The pipeline
    /// therefore resends a start only on 429 (refused before anything runs); after a timeout, a dropped connection,
    /// 408 or 5xx, which may have started it, this looks for the job's execution and starts again only when there is none.
    /// </remarks>
    public async Task<StageExecution> StartAsync(StageLaunch launch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var template = await GetTemplateAsync(cancellationToken).ConfigureAwait(false);
        var body = StartBody(template, StageEnvironment.For(launch));
        for (var attempt = 0; ; attempt++)
        {
            StageLaunchException unsure;
            var (answer, noAnswer) = await TrySendAsync(RequestMethod.Post, JobUri("/start"), body, StartAction, ResendOnlyWhenThrottled.Instance, cancellationToken).ConfigureAwait(false);
            using (var response = answer)
            {
                if (response is null || response.Status is 408 or >= 500)
                {
                    unsure = noAnswer ?? Failure(response!, StartAction);
                }
                else
                {
                    EnsureSuccess(response, StartAction);
                    return Started(launch, response);
                }
            }

            // Give ARM a moment to list an execution it did start before deciding it did not.
            await Task.Delay(RetryDelay(attempt), cancellationToken).ConfigureAwait(false);
            if (await FindAsync(launch.JobId, cancellationToken).ConfigureAwait(false) is { } found)
            {
                return found;
            }

            if (attempt >= _maxRetries)
            {
                throw unsure;
            }
        }
    }

    /// <summary>The execution whose template carries the job's id (every start sends it), from the job's execution list.</summary>
    public async Task<StageExecution?> FindAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        for (Uri? page = JobUri("/executions"); page is not null;)
        {
            using var response = await SendAsync(RequestMethod.Get, page, null, ListAction, cancellationToken).ConfigureAwait(false);
            EnsureSuccess(response, ListAction);
            using var document = Parse(response.Content);
            var root = document?.RootElement ?? default;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("value", out var executions) && executions.ValueKind == JsonValueKind.Array)
            {
                foreach (var execution in executions.EnumerateArray())
                {
                    if (StringProperty(execution, "name") is { Length: > 0 } name && CarriesJob(execution, jobId))
                    {
                        return new StageExecution(jobId, name);
                    }
                }
            }

            // Only ARM's own pages: the bearer token goes with every request.
            page = Uri.TryCreate(StringProperty(root, "nextLink"), UriKind.Absolute, out var next) && next.Authority == _jobUri.Authority ? next : null;
        }

        return null;
    }

    public async Task<StageExecutionStatus> GetStatusAsync(StageExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        using var response = await SendAsync(RequestMethod.Get, ExecutionPath(execution), null, "read executions", cancellationToken).ConfigureAwait(false);
        if (response.Status == 404)
        {
            return new StageExecutionStatus(StageState.Failed, $"Container Apps job execution {execution.Name} not found on {_jobResourceId}");
        }

        EnsureSuccess(response, "read executions");
        using var document = Parse(response.Content);
        var properties = document?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("properties", out var p) ? p : default;
        var status = StringProperty(properties, "status");
        return status?.ToUpperInvariant() switch
        {
            "SUCCEEDED" => new StageExecutionStatus(StageState.Succeeded),
            "FAILED" or "DEGRADED" or "STOPPED" => new StageExecutionStatus(StageState.Failed, EndedDetail(execution.Name, status!, properties)),

            // Running, Processing, Unknown, or a status newer than this api-version: keep polling; the caller's timeout bounds it.
            _ => new StageExecutionStatus(StageState.Running),
        };
    }

    public async Task StopAsync(StageExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        using var response = await SendAsync(RequestMethod.Post, ExecutionPath(execution) + "/stop", null, "stop executions", cancellationToken).ConfigureAwait(false);
        if (response.Status == 404)
        {
            return; // already gone
        }

        EnsureSuccess(response, "stop executions");
    }

    private static string ExecutionPath(StageExecution execution) => "/executions/" + Uri.EscapeDataString(execution.Name);

    private Uri JobUri(string path) => new(_jobUri.AbsoluteUri + path + "?api-version=" + ContainerAppsJobLauncherOptions.ApiVersion);

    private StageExecution Started(StageLaunch launch, Response response)
    {
        var name = ReadString(response.Content, "name");
        return string.IsNullOrEmpty(name)
            ? throw new StageLaunchException(string.Create(
                CultureInfo.InvariantCulture,
                $"ARM accepted a start of {_jobResourceId} but returned no execution name ({response.Status}).{RequestIds(response)}"))
            : new StageExecution(launch.JobId, name);
    }

    private TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromTicks(Math.Min(_retryMaxDelay.Ticks, _retryDelay.Ticks * (1L << Math.Min(attempt, 20))));

    private static bool CarriesJob(JsonElement execution, string jobId)
    {
        if (!execution.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object
            || !properties.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.Object
            || !template.TryGetProperty("containers", out var containers) || containers.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        return containers.EnumerateArray().Any(container =>
            container.ValueKind == JsonValueKind.Object && container.TryGetProperty("env", out var env) && env.ValueKind == JsonValueKind.Array
            && env.EnumerateArray().Any(variable => StringProperty(variable, "name") == StageEnvironment.JobId && StringProperty(variable, "value") == jobId));
    }

    private async Task<JobTemplate> GetTemplateAsync(CancellationToken cancellationToken)
    {
        if (_template is { } cached)
        {
            return cached;
        }

        using var response = await SendAsync(RequestMethod.Get, string.Empty, null, "read", cancellationToken).ConfigureAwait(false);
        EnsureSuccess(response, "read");
        var template = ParseTemplate(response);

        // Concurrent first callers may each GET; they read the same template, so whichever write lands is fine.
        _template = template;
        return template;
    }

    private JobTemplate ParseTemplate(Response response)
    {
        using var document = Parse(response.Content);
        if (document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            && properties.TryGetProperty("template", out var template) && template.ValueKind == JsonValueKind.Object
            && template.TryGetProperty("containers", out var containers) && containers.ValueKind == JsonValueKind.Array
            && containers.GetArrayLength() > 0)
        {
            JsonElement? initContainers = template.TryGetProperty("initContainers", out var init) && init.ValueKind == JsonValueKind.Array
                ? init.Clone()
                : null;
            return new JobTemplate(containers.Clone(), initContainers);
        }

        throw new StageLaunchException($"Container Apps job {_jobResourceId} has no properties.template.containers to start an execution from.{RequestIds(response)}");
    }

    private static BinaryData StartBody(JobTemplate template, IReadOnlyDictionary<string, string> variables)
    {
        var containers = new JsonArray();
        foreach (var container in template.Containers.EnumerateArray())
        {
            var execution = new JsonObject();
            foreach (var field in ExecutionContainerFields)
            {
                if (container.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null)
                {
                    execution[field] = JsonNode.Parse(value.GetRawText());
                }
            }

            if (container.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Object)
            {
                var copy = JsonNode.Parse(resources.GetRawText())!.AsObject();

                // Read-only in ARM (derived from cpu); sending it back risks a validation error.
                copy.Remove("ephemeralStorage");
                execution["resources"] = copy;
            }

            execution["env"] = MergeEnv(container, variables);
            containers.Add(execution);
        }

        var body = new JsonObject { ["containers"] = containers };
        if (template.InitContainers is { } initContainers)
        {
            // Omitting them would drop them from this execution, since the template is replaced.
            body["initContainers"] = JsonNode.Parse(initContainers.GetRawText());
        }

        return BinaryData.FromString(body.ToJsonString());
    }

    /// <summary>The template's variables in their order, per-execution values replacing same-named ones, then the rest.</summary>
    private static JsonArray MergeEnv(JsonElement container, IReadOnlyDictionary<string, string> variables)
    {
        var env = new JsonArray();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        if (container.TryGetProperty("env", out var existing) && existing.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in existing.EnumerateArray())
            {
                var name = StringProperty(entry, "name");
                if (name is not null && variables.TryGetValue(name, out var value))
                {
                    // A plain value replaces a secretRef too: the execution's own value must win.
                    env.Add(new JsonObject { ["name"] = name, ["value"] = value });
                    placed.Add(name);
                }
                else
                {
                    env.Add(JsonNode.Parse(entry.GetRawText()));
                }
            }
        }

        foreach (var (name, value) in variables.Where(v => !placed.Contains(v.Key)).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            env.Add(new JsonObject { ["name"] = name, ["value"] = value });
        }

        return env;
    }

    private static string EndedDetail(string name, string status, JsonElement properties)
    {
        var detail = new StringBuilder("Container Apps job execution ").Append(name).Append(" ended ").Append(status);
        var start = StringProperty(properties, "startTime");
        var end = StringProperty(properties, "endTime");
        if (start is not null || end is not null)
        {
            detail.Append(" (");
            if (start is not null)
            {
                detail.Append("started ").Append(start);
            }

            if (end is not null)
            {
                detail.Append(start is not null ? ", " : string.Empty).Append("ended ").Append(end);
            }

            detail.Append(')');
        }

        return detail.ToString();
    }

    private Task<Response> SendAsync(RequestMethod method, string path, BinaryData? body, string action, CancellationToken cancellationToken) =>
        SendAsync(method, JobUri(path), body, action, cancellationToken);

    private async Task<Response> SendAsync(RequestMethod method, Uri uri, BinaryData? body, string action, CancellationToken cancellationToken)
    {
        var (response, noAnswer) = await TrySendAsync(method, uri, body, action, classifier: null, cancellationToken).ConfigureAwait(false);
        return response ?? throw noAnswer!;
    }

    /// <summary>The response, or why none came; <paramref name="classifier"/> replaces the pipeline's say on what it resends.</summary>
    private async Task<(Response? Response, StageLaunchException? NoAnswer)> TrySendAsync(
        RequestMethod method, Uri uri, BinaryData? body, string action, ResponseClassifier? classifier, CancellationToken cancellationToken)
    {
        // Not disposed here: that would dispose the response it hands back, which the caller disposes.
        var message = _pipeline.CreateMessage();
        using var request = message.Request;
        if (classifier is not null)
        {
            message.ResponseClassifier = classifier;
        }

        request.Method = method;
        request.Uri.Reset(uri);
        request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        if (body is not null)
        {
            request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
            request.Content = RequestContent.Create(body);
        }

        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return (message.Response, null);
        }
        catch (RequestFailedException ex) when (ex.Status == 0)
        {
            return (null, Unreachable(action, ex));
        }
        catch (AggregateException ex)
        {
            // What the retry policy throws when every attempt failed without a response.
            return (null, Unreachable(action, ex));
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, new StageLaunchException($"ARM did not answer in time when trying to {action} on {_jobResourceId} (each attempt hit Retry.NetworkTimeout): check ARM's status and try again later.", ex));
        }
    }

    private StageLaunchException Unreachable(string action, Exception ex) =>
        new($"Could not reach ARM at {_jobUri.GetLeftPart(UriPartial.Authority)} to {action} on {_jobResourceId}: {ex.Message}", ex);

    private void EnsureSuccess(Response response, string action)
    {
        if (response.Status is < 200 or >= 300)
        {
            throw Failure(response, action);
        }
    }

    /// <summary>What a failed answer means, in words that say what to check.</summary>
    private StageLaunchException Failure(Response response, string action)
    {
        var (code, message) = ArmError(response.Content);
        var armSays = code is null && message is null ? string.Empty : $" ARM says: {code}: {message}";
        var ids = RequestIds(response);
        return response.Status switch
        {
            401 => new StageLaunchException(
                $"Authentication to ARM failed (401) when trying to {action} on {_jobResourceId}: the token from {_credentialName} was rejected. Check that the identity belongs to the job's tenant and that AZURE_CLIENT_ID names the managed identity the app should use.{armSays}{ids}"),
            403 => new StageLaunchException(
                $"The identity lacks permission to {action} on {_jobResourceId}: grant it a role with Microsoft.App/jobs/start/action, Microsoft.App/jobs/read, Microsoft.App/jobs/executions/read, Microsoft.App/jobs/execution/read and Microsoft.App/jobs/stop/execution/action on the job.{armSays}{ids}"),
            404 => new StageLaunchException(
                $"Container Apps job {_jobResourceId} not found (check GpuStage__JobResourceId).{armSays}{ids}"),
            429 => new StageLaunchException(string.Create(
                CultureInfo.InvariantCulture,
                $"ARM kept throttling requests to {action} on {_jobResourceId} (429 after {_maxRetries} retries; last Retry-After: {(response.Headers.TryGetValue("Retry-After", out var after) ? after : "none")}): start fewer stages at once or raise the retry settings.{armSays}{ids}")),
            >= 500 => new StageLaunchException(string.Create(
                CultureInfo.InvariantCulture,
                $"ARM returned {Described(response, code, message)} when trying to {action} on {_jobResourceId} (after {_maxRetries} retries).{ids}")),
            _ => new StageLaunchException($"ARM returned {Described(response, code, message)} when trying to {action} on {_jobResourceId}.{ids}"),
        };
    }

    /// <summary>"500 InternalServerError: message" from ARM's error body, or the status line when there is none.</summary>
    private static string Described(Response response, string? code, string? message)
    {
        var status = response.Status.ToString(CultureInfo.InvariantCulture);
        return code is null && message is null
            ? (status + " " + response.ReasonPhrase).TrimEnd()
            : status + " " + (code ?? "(no code)") + ": " + (message ?? "(no message)");
    }

    /// <summary>ARM's ids for the call, for a support request; empty when ARM sent none.</summary>
    private static string RequestIds(Response response)
    {
        var ids = new List<string>(2);
        foreach (var header in (string[])["x-ms-request-id", "x-ms-correlation-request-id"])
        {
            if (response.Headers.TryGetValue(header, out var value) && !string.IsNullOrEmpty(value))
            {
                ids.Add(header + ": " + value);
            }
        }

        return ids.Count == 0 ? string.Empty : " (" + string.Join(", ", ids) + ")";
    }

    /// <summary>The code and message of ARM's <c>{"error":{"code","message"}}</c> body, when it sent one.</summary>
    private static (string? Code, string? Message) ArmError(BinaryData content)
    {
        using var document = Parse(content);
        return document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
            ? (StringProperty(error, "code"), StringProperty(error, "message"))
            : (null, null);
    }

    private static string? ReadString(BinaryData content, string property)
    {
        using var document = Parse(content);
        return document is null ? null : StringProperty(document.RootElement, property);
    }

    private static JsonDocument? Parse(BinaryData? content)
    {
        if (content is null || content.ToMemory().IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(content.ToMemory());
        }
        catch (JsonException)
        {
            return null; // an HTML error page from a proxy, say: the status still tells the story
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    [GeneratedRegex(@"^/subscriptions/[^/\s]+/resourceGroups/[^/\s]+/providers/Microsoft\.App/jobs/[^/\s]+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex JobResourceIdPattern();

    /// <summary>The job's containers (immutable JSON, safe to read from many threads).</summary>
    private sealed record JobTemplate(JsonElement Containers, JsonElement? InitContainers);

    /// <summary>Lets the pipeline resend a start only when ARM throttled it: a 429 is refused before anything runs.</summary>
    private sealed class ResendOnlyWhenThrottled : ResponseClassifier
    {
        public static ResendOnlyWhenThrottled Instance { get; } = new();

        public override bool IsRetriableResponse(HttpMessage message) => message.Response.Status == 429;

        public override bool IsRetriableException(Exception exception) => false;

        public override bool IsRetriable(HttpMessage message, Exception exception) => false;
    }

    /// <summary>Turns a credential failure into a message that says which credential and what to check.</summary>
    private sealed class GuardedCredential(TokenCredential inner) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            try
            {
                return inner.GetToken(requestContext, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw Failed(ex);
            }
        }

        public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            try
            {
                return await inner.GetTokenAsync(requestContext, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw Failed(ex);
            }
        }

        // Not retried by the pipeline: a missing identity does not appear by waiting.
        private StageLaunchException Failed(Exception ex) =>
            new($"Could not get an ARM token from {inner.GetType().Name}: {ex.Message} In Azure, check the app's managed identity and that AZURE_CLIENT_ID names it; locally, sign in with az login.", ex);
    }
}
