using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.Stages;

namespace Serverless.Tests.Stages;

public sealed class ContainerAppsJobLauncherTests : IDisposable
{
    private const string JobResourceId = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-serverless/providers/Microsoft.App/jobs/gpu-stage";
    private const string JobUrl = "https://management.azure.com" + JobResourceId;
    private const string ApiVersion = "?api-version=2024-03-01";
    private const string Token = "test-token";

    private const string JobJson = """
        {
          "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-serverless/providers/Microsoft.App/jobs/gpu-stage",
          "name": "gpu-stage",
          "properties": {
            "template": {
              "containers": [
                {
                  "name": "gpu-stage",
                  "image": "contoso.azurecr.io/gpu-stage:1.2.3",
                  "command": ["dotnet"],
                  "args": ["GpuStage.dll"],
                  "resources": { "cpu": 24, "memory": "220Gi", "ephemeralStorage": "8Gi" },
                  "probes": [],
                  "env": [
                    { "name": "STAGE_ACCELERATOR", "value": "cuda" },
                    { "name": "STAGE_INPUT_BLOB", "value": "from-the-template" },
                    { "name": "AzureWebJobsStorage__blobServiceUri", "value": "https://st.blob.core.windows.net" },
                    { "name": "REGISTRY_PASSWORD", "secretRef": "registry-password" }
                  ]
                }
              ]
            }
          }
        }
        """;

    private const string StartedJson = """
        {"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-serverless/providers/Microsoft.App/jobs/gpu-stage/executions/gpu-stage-x7k2p","name":"gpu-stage-x7k2p"}
        """;

    private static readonly StageLaunch Launch = new(
        "job-42",
        "jobs/job-42/stage/input.bin",
        "jobs/job-42/stage/output.bin",
        "jobs/job-42/stage/metrics.json",
        "jobs/job-42/stage/log.txt",
        new Uri("https://func.example.net/api/stages/job-42/done"),
        "s3cr3t");

    private static readonly StageExecution Execution = new("job-42", "gpu-stage-x7k2p");

    private readonly FakeArm _arm = new();
    private readonly FixedTokenCredential _credential = new();

    private ContainerAppsJobLauncher Launcher(int maxRetries = 3) =>
        new(JobResourceId, _credential, new ContainerAppsJobLauncherOptions
        {
            Transport = new HttpClientTransport(new HttpClient(_arm, disposeHandler: false)),
            Retry = { MaxRetries = maxRetries, Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
        });

    public void Dispose() => _arm.Dispose();

    private static JsonObject StartedContainer(FakeArm.Recorded post) =>
        Assert.Single(JsonNode.Parse(post.Body!)!["containers"]!.AsArray())!.AsObject();

    private static Dictionary<string, JsonObject> EnvByName(JsonObject container) =>
        container["env"]!.AsArray().Select(e => e!.AsObject()).ToDictionary(e => (string)e["name"]!, StringComparer.Ordinal);

    [Fact]
    public async Task StartAsync_ReadsTheJobThenPostsStart_ToTheArmUrlsWithBearerToken()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.Accepted, StartedJson);

        // Act
        var execution = await Launcher().StartAsync(Launch);

        // Assert
        Assert.Equal(new StageExecution("job-42", "gpu-stage-x7k2p"), execution);
        Assert.Collection(
            _arm.Requests,
            get =>
            {
                Assert.Equal(HttpMethod.Get, get.Method);
                Assert.Equal(JobUrl + ApiVersion, get.Url);
                Assert.Equal("Bearer " + Token, get.Authorization);
            },
            post =>
            {
                Assert.Equal(HttpMethod.Post, post.Method);
                Assert.Equal(JobUrl + "/start" + ApiVersion, post.Url);
                Assert.Equal("Bearer " + Token, post.Authorization);
                Assert.Equal("application/json", post.ContentType);
            });
        Assert.Equal(["https://management.azure.com/.default"], _credential.Scopes.Distinct());
    }

    [Fact]
    public async Task StartAsync_Body_KeepsImageResourcesCommandAndArgs()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.OK, StartedJson);

        // Act
        await Launcher().StartAsync(Launch);

        // Assert
        var container = StartedContainer(_arm.Requests[1]);
        Assert.Equal("gpu-stage", (string)container["name"]!);
        Assert.Equal("contoso.azurecr.io/gpu-stage:1.2.3", (string)container["image"]!);
        Assert.Equal(24, (int)container["resources"]!["cpu"]!);
        Assert.Equal("220Gi", (string)container["resources"]!["memory"]!);
        Assert.Null(container["resources"]!["ephemeralStorage"]);
        Assert.Equal(["dotnet"], container["command"]!.AsArray().Select(c => (string)c!));
        Assert.Equal(["GpuStage.dll"], container["args"]!.AsArray().Select(a => (string)a!));
        Assert.False(container.ContainsKey("probes"));
    }

    [Fact]
    public async Task StartAsync_Body_MergesEveryStageVariableIntoTheTemplateEnv()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.OK, StartedJson);

        // Act
        await Launcher().StartAsync(Launch);

        // Assert
        var env = EnvByName(StartedContainer(_arm.Requests[1]));
        foreach (var (name, value) in StageEnvironment.For(Launch))
        {
            Assert.Equal(value, (string)env[name]["value"]!);
        }

        Assert.Equal("job-42", (string)env[StageEnvironment.JobId]["value"]!);
        Assert.Equal("jobs/job-42/stage/input.bin", (string)env[StageEnvironment.InputBlob]["value"]!);
        Assert.Equal("jobs/job-42/stage/output.bin", (string)env[StageEnvironment.OutputBlob]["value"]!);
        Assert.Equal("jobs/job-42/stage/metrics.json", (string)env[StageEnvironment.MetricsBlob]["value"]!);
        Assert.Equal("https://func.example.net/api/stages/job-42/done", (string)env[StageEnvironment.CallbackUrl]["value"]!);
        Assert.Equal("s3cr3t", (string)env[StageEnvironment.CallbackSecret]["value"]!);

        // The template's own variables stay, secret references included.
        Assert.Equal("cuda", (string)env[StageEnvironment.Accelerator]["value"]!);
        Assert.Equal("https://st.blob.core.windows.net", (string)env["AzureWebJobsStorage__blobServiceUri"]["value"]!);
        Assert.Equal("registry-password", (string)env["REGISTRY_PASSWORD"]["secretRef"]!);
    }

    [Fact]
    public async Task StartAsync_Body_PerExecutionValueOverridesTheTemplateValueOfTheSameName()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.OK, StartedJson);

        // Act
        await Launcher().StartAsync(Launch);

        // Assert
        var env = StartedContainer(_arm.Requests[1])["env"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var input = Assert.Single(env, e => (string)e["name"]! == StageEnvironment.InputBlob);
        Assert.Equal("jobs/job-42/stage/input.bin", (string)input["value"]!);
    }

    [Fact]
    public async Task StartAsync_WithoutCallbackUrl_SendsNoCallbackUrlVariable()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.OK, StartedJson);

        // Act
        await Launcher().StartAsync(Launch with { CallbackUrl = null });

        // Assert
        var env = EnvByName(StartedContainer(_arm.Requests[1]));
        Assert.DoesNotContain(StageEnvironment.CallbackUrl, env.Keys);
        Assert.Equal("s3cr3t", (string)env[StageEnvironment.CallbackSecret]["value"]!);
    }

    [Fact]
    public async Task StartAsync_SecondStart_ReusesTheCachedJobTemplate()
    {
        // Arrange
        var launcher = Launcher();
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.OK, StartedJson);
        _arm.Enqueue(HttpStatusCode.OK, """{"name":"gpu-stage-second"}""");

        // Act
        await launcher.StartAsync(Launch);
        var second = await launcher.StartAsync(Launch with { JobId = "job-43" });

        // Assert
        Assert.Equal(new StageExecution("job-43", "gpu-stage-second"), second);
        Assert.Equal([HttpMethod.Get, HttpMethod.Post, HttpMethod.Post], _arm.Requests.Select(r => r.Method));
        Assert.Equal("job-43", (string)EnvByName(StartedContainer(_arm.Requests[2]))[StageEnvironment.JobId]["value"]!);
    }

    [Theory]
    [InlineData("Running", StageState.Running)]
    [InlineData("Processing", StageState.Running)]
    [InlineData("Unknown", StageState.Running)]
    [InlineData("Succeeded", StageState.Succeeded)]
    [InlineData("Failed", StageState.Failed)]
    [InlineData("Degraded", StageState.Failed)]
    [InlineData("Stopped", StageState.Failed)]
    public async Task GetStatusAsync_ArmStatus_MapsToStageState(string armStatus, StageState expected)
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.OK, $$$"""
            {"name":"gpu-stage-x7k2p","properties":{"status":"{{{armStatus}}}","startTime":"2026-11-25T10:00:00Z","endTime":"2026-11-25T10:05:00Z"}}
            """);

        // Act
        var status = await Launcher().GetStatusAsync(Execution);

        // Assert
        var request = Assert.Single(_arm.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal(JobUrl + "/executions/gpu-stage-x7k2p" + ApiVersion, request.Url);
        Assert.Equal(expected, status.State);
        if (expected == StageState.Failed)
        {
            Assert.Equal(
                $"Container Apps job execution gpu-stage-x7k2p ended {armStatus} (started 2026-11-25T10:00:00Z, ended 2026-11-25T10:05:00Z)",
                status.Detail);
        }
        else
        {
            Assert.Null(status.Detail);
        }
    }

    [Fact]
    public async Task GetStatusAsync_UnknownExecution_IsFailedNotFound()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.NotFound, """{"error":{"code":"ResourceNotFound","message":"nope"}}""");

        // Act
        var status = await Launcher().GetStatusAsync(Execution);

        // Assert
        Assert.Equal(StageState.Failed, status.State);
        Assert.Contains("execution gpu-stage-x7k2p not found", status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.Accepted)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task StopAsync_StoppedOrAlreadyGone_PostsStopAndReturns(HttpStatusCode answer)
    {
        // Arrange
        _arm.Enqueue(answer);

        // Act
        await Launcher().StopAsync(Execution);

        // Assert
        var request = Assert.Single(_arm.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(JobUrl + "/executions/gpu-stage-x7k2p/stop" + ApiVersion, request.Url);
    }

    [Fact]
    public async Task StartAsync_Unauthorized_SaysAuthenticationFailedAndWhatToCheck()
    {
        // Arrange
        _arm.Enqueue(
            HttpStatusCode.Unauthorized,
            """{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}""",
            ("x-ms-request-id", "req-1"),
            ("x-ms-correlation-request-id", "corr-1"));

        // Act
        var error = await Assert.ThrowsAsync<StageLaunchException>(() => Launcher().StartAsync(Launch));

        // Assert
        Assert.Contains("Authentication to ARM failed (401)", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(FixedTokenCredential), error.Message, StringComparison.Ordinal);
        Assert.Contains("AZURE_CLIENT_ID", error.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidAuthenticationToken", error.Message, StringComparison.Ordinal);
        Assert.Contains("x-ms-request-id: req-1", error.Message, StringComparison.Ordinal);
        Assert.Contains("x-ms-correlation-request-id: corr-1", error.Message, StringComparison.Ordinal);
        Assert.Single(_arm.Requests);
    }

    [Fact]
    public async Task StartAsync_Forbidden_NamesTheActionJobAndPermissions()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.Forbidden, """{"error":{"code":"AuthorizationFailed","message":"no"}}""", ("x-ms-request-id", "req-2"));

        // Act
        var error = await Assert.ThrowsAsync<StageLaunchException>(() => Launcher().StartAsync(Launch));

        // Assert
        Assert.Contains($"the identity lacks permission to start executions on {JobResourceId}", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Microsoft.App/jobs/start/action", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.App/jobs/read", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.App/jobs/executions/read", error.Message, StringComparison.Ordinal);
        Assert.Contains("AuthorizationFailed", error.Message, StringComparison.Ordinal);
        Assert.Contains("x-ms-request-id: req-2", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, _arm.Requests.Count);
    }

    [Fact]
    public async Task StartAsync_JobNotFound_SaysWhichSettingToCheck()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.NotFound, """{"error":{"code":"ResourceNotFound","message":"The Resource 'Microsoft.App/jobs/gpu-stage' was not found."}}""");

        // Act
        var error = await Assert.ThrowsAsync<StageLaunchException>(() => Launcher().StartAsync(Launch));

        // Assert
        Assert.Contains($"Container Apps job {JobResourceId} not found (check GpuStage__JobResourceId)", error.Message, StringComparison.Ordinal);
        Assert.Single(_arm.Requests);
    }

    [Fact]
    public async Task StartAsync_ThrottledOnceWithRetryAfterZero_RetriesAndSucceeds()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.TooManyRequests, null, ("Retry-After", "0"));
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.Accepted, StartedJson);

        // Act
        var execution = await Launcher().StartAsync(Launch);

        // Assert
        Assert.Equal("gpu-stage-x7k2p", execution.Name);
        Assert.Equal([HttpMethod.Get, HttpMethod.Get, HttpMethod.Post], _arm.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task StartAsync_ThrottledWithRetryAfterOneSecond_WaitsAtLeastThatLongBeforeRetrying()
    {
        // Arrange: the configured retry delay is 1 ms, so only the header can explain a longer wait.
        _arm.Enqueue(HttpStatusCode.TooManyRequests, null, ("Retry-After", "1"));
        _arm.Enqueue(HttpStatusCode.OK, JobJson);
        _arm.Enqueue(HttpStatusCode.Accepted, StartedJson);

        // Act
        await Launcher().StartAsync(Launch);

        // Assert
        Assert.Equal(3, _arm.Requests.Count);
        var waited = _arm.Requests[1].At - _arm.Requests[0].At;
        Assert.True(waited >= TimeSpan.FromMilliseconds(900), $"retried after {waited.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task StartAsync_ThrottledForever_FailsWithThrottlingAndTheLastRetryAfter()
    {
        // Arrange
        _arm.Always(HttpStatusCode.TooManyRequests, null, ("Retry-After", "0"), ("x-ms-request-id", "req-429"));

        // Act
        var error = await Assert.ThrowsAsync<StageLaunchException>(() => Launcher(maxRetries: 3).StartAsync(Launch));

        // Assert
        Assert.Equal(4, _arm.Requests.Count);
        Assert.Contains("throttling", error.Message, StringComparison.Ordinal);
        Assert.Contains("429 after 3 retries", error.Message, StringComparison.Ordinal);
        Assert.Contains("last Retry-After: 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("x-ms-request-id: req-429", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStatusAsync_ServerErrorOnce_RetriesAndSucceeds()
    {
        // Arrange
        _arm.Enqueue(HttpStatusCode.InternalServerError, """{"error":{"code":"InternalServerError","message":"try again"}}""");
        _arm.Enqueue(HttpStatusCode.OK, """{"properties":{"status":"Succeeded"}}""");

        // Act
        var status = await Launcher().GetStatusAsync(Execution);

        // Assert
        Assert.Equal(StageState.Succeeded, status.State);
        Assert.Equal(2, _arm.Requests.Count);
    }

    [Fact]
    public async Task GetStatusAsync_ServerErrorForever_FailsWithTheArmErrorCodeAndMessage()
    {
        // Arrange
        _arm.Always(HttpStatusCode.InternalServerError, """{"error":{"code":"InternalServerError","message":"Something went wrong on our side."}}""");

        // Act
        var error = await Assert.ThrowsAsync<StageLaunchException>(() => Launcher(maxRetries: 2).GetStatusAsync(Execution));

        // Assert
        Assert.Equal(3, _arm.Requests.Count);
        Assert.StartsWith("ARM returned 500 InternalServerError: Something went wrong on our side.", error.Message, StringComparison.Ordinal);
        Assert.Contains(JobResourceId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_CredentialFails_SaysWhichCredentialAndWhatToCheck()
    {
        // Arrange
        _credential.Failure = new InvalidOperationException("ManagedIdentityCredential authentication unavailable.");

        // Act
        var error = await Assert.ThrowsAsync<StageLaunchException>(() => Launcher().StartAsync(Launch));

        // Assert
        Assert.Contains(nameof(FixedTokenCredential), error.Message, StringComparison.Ordinal);
        Assert.Contains("ManagedIdentityCredential authentication unavailable.", error.Message, StringComparison.Ordinal);
        Assert.Contains("AZURE_CLIENT_ID", error.Message, StringComparison.Ordinal);
        Assert.Empty(_arm.Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("gpu-stage")]
    [InlineData("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.App/containerApps/gpu-stage")]
    [InlineData("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.App/jobs/")]
    [InlineData("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.App/jobs/gpu-stage/executions/x")]
    [InlineData("https://management.azure.com/subscriptions/sub/resourceGroups/rg/providers/Microsoft.App/jobs/gpu-stage")]
    public void Constructor_MalformedResourceId_IsRejected(string resourceId)
    {
        var error = Assert.Throws<ArgumentException>(() => new ContainerAppsJobLauncher(resourceId, _credential));

        Assert.Equal("jobResourceId", error.ParamName);
        Assert.Contains("/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.App/jobs/{name}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Records each request ARM would get and answers from a queue, then with <see cref="Always"/> if set.</summary>
    private sealed class FakeArm : HttpMessageHandler
    {
        private readonly Queue<Answer> _answers = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private Answer? _always;

        public List<Recorded> Requests { get; } = [];

        public void Enqueue(HttpStatusCode status, string? json = null, params (string Name, string Value)[] headers) =>
            _answers.Enqueue(new Answer(status, json, headers));

        public void Always(HttpStatusCode status, string? json = null, params (string Name, string Value)[] headers) =>
            _always = new Answer(status, json, headers);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add(new Recorded(
                request.Method,
                request.RequestUri!.AbsoluteUri,
                request.Headers.Authorization?.ToString(),
                request.Content?.Headers.ContentType?.MediaType,
                body,
                _clock.Elapsed));

            var answer = _answers.TryDequeue(out var next) ? next : _always ?? throw new InvalidOperationException($"No answer queued for {request.Method} {request.RequestUri}.");
            var response = new HttpResponseMessage(answer.Status) { RequestMessage = request };
            if (answer.Json is not null)
            {
                response.Content = new StringContent(answer.Json, Encoding.UTF8, "application/json");
            }

            foreach (var (name, value) in answer.Headers)
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }

            return response;
        }

        public sealed record Recorded(HttpMethod Method, string Url, string? Authorization, string? ContentType, string? Body, TimeSpan At);

        private sealed record Answer(HttpStatusCode Status, string? Json, (string Name, string Value)[] Headers);
    }

    private sealed class FixedTokenCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public Exception? Failure { get; set; }

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            if (Failure is not null)
            {
                throw Failure;
            }

            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
