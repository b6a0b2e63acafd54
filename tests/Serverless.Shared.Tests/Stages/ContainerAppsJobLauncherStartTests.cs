using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core.Pipeline;
using Serverless.Stages;

namespace Serverless.Tests.Stages;

/// <summary>
/// A start whose answer is lost must not start a second execution: ARM names every execution anew, so a blind resend
/// would. <see cref="Arm"/> keeps ARM's state, so a start takes effect even when its answer times out or is a 5xx.
/// </summary>
public sealed class ContainerAppsJobLauncherStartTests : IDisposable
{
    private const string JobResourceId = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-serverless/providers/Microsoft.App/jobs/gpu-stage";

    private static readonly StageLaunch Launch = new(
        "job-42", "results/job-42/gpu/input.json", "results/job-42/gpu/output.bin", "results/job-42/gpu/metrics.json", "results/job-42/gpu/log.txt", null, "s3cr3t");

    private readonly Arm _arm = new();

    public void Dispose() => _arm.Dispose();

    private ContainerAppsJobLauncher Launcher(int maxRetries = 3) =>
        new(JobResourceId, new StaticToken(), new ContainerAppsJobLauncherOptions
        {
            Transport = new HttpClientTransport(new HttpClient(_arm, disposeHandler: false)),
            // Long enough that an answered request never times out on a loaded machine; the timeout cases wait it out.
            Retry = { MaxRetries = maxRetries, Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), NetworkTimeout = TimeSpan.FromSeconds(1.5) },
        });

    [Theory]
    [InlineData(Arm.Fault.TimeOutAfterStarting)]
    [InlineData(Arm.Fault.ServerErrorAfterStarting)]
    public async Task StartAsync_AnswerLostAfterArmStartedIt_ReturnsThatExecutionAndStartsNoOther(Arm.Fault fault)
    {
        // Arrange
        _arm.StartFaults.Enqueue(fault);

        // Act
        var execution = await Launcher().StartAsync(Launch);

        // Assert
        var started = Assert.Single(_arm.Executions);
        Assert.Equal(new StageExecution("job-42", started), execution);
        Assert.Equal(1, _arm.StartPosts);
    }

    [Fact]
    public async Task StartAsync_RefusedWith503BeforeStarting_StartsAgainOnce()
    {
        // Arrange
        _arm.StartFaults.Enqueue(Arm.Fault.ServerErrorWithoutStarting);

        // Act
        var execution = await Launcher().StartAsync(Launch);

        // Assert: the list showed nothing, so one more start, and one execution in all.
        Assert.Equal(new StageExecution("job-42", Assert.Single(_arm.Executions)), execution);
        Assert.Equal(2, _arm.StartPosts);
    }

    [Fact]
    public async Task StartAsync_EveryAnswerLostWithoutStarting_FailsAfterTheRetriesWithTheTimeout()
    {
        // Arrange
        for (var i = 0; i < 3; i++)
        {
            _arm.StartFaults.Enqueue(Arm.Fault.TimeOutWithoutStarting);
        }

        // Act
        var error = await Assert.ThrowsAsync<StageLaunchException>(() => Launcher(maxRetries: 2).StartAsync(Launch));

        // Assert
        Assert.Contains("did not answer in time when trying to start executions", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _arm.StartPosts);
        Assert.Empty(_arm.Executions);
    }

    [Fact]
    public async Task FindAsync_OtherJobsExecutionsOverTwoPages_FindsTheOneThatCarriesTheJobId()
    {
        // Arrange
        _arm.Seed("gpu-stage-other", "job-41");
        _arm.Seed("gpu-stage-mine", "job-42");
        _arm.PageSize = 1;

        // Act
        var found = await Launcher().FindAsync("job-42");
        var none = await Launcher().FindAsync("job-43");

        // Assert
        Assert.Equal(new StageExecution("job-42", "gpu-stage-mine"), found);
        Assert.Null(none);
    }

    /// <summary>The job, its starts and its execution list, with a scripted fault for each start in turn.</summary>
    public sealed class Arm : HttpMessageHandler
    {
        private const string JobJson = """
            {"name":"gpu-stage","properties":{"template":{"containers":[{"name":"gpu-stage","image":"contoso.azurecr.io/gpu-stage:1","env":[{"name":"STAGE_ACCELERATOR","value":"cuda"}]}]}}}
            """;

        private readonly List<(string Name, JsonNode Template)> _executions = [];
        private int _startPosts;

        public enum Fault
        {
            TimeOutAfterStarting,
            ServerErrorAfterStarting,
            ServerErrorWithoutStarting,
            TimeOutWithoutStarting,
        }

        public Queue<Fault> StartFaults { get; } = new();

        public int PageSize { get; set; } = 100;

        public int StartPosts => Volatile.Read(ref _startPosts);

        public IReadOnlyList<string> Executions
        {
            get
            {
                lock (_executions)
                {
                    return [.. _executions.Select(e => e.Name)];
                }
            }
        }

        public void Seed(string name, string jobId)
        {
            lock (_executions)
            {
                _executions.Add((name, JsonNode.Parse($$"""{"containers":[{"name":"gpu-stage","env":[{"name":"{{StageEnvironment.JobId}}","value":"{{jobId}}"}]}]}""")!));
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Get && path.EndsWith("/jobs/gpu-stage", StringComparison.Ordinal))
            {
                return Json(HttpStatusCode.OK, JobJson);
            }

            if (request.Method == HttpMethod.Get && path.EndsWith("/executions", StringComparison.Ordinal))
            {
                return List(request.RequestUri);
            }

            Assert.Equal(HttpMethod.Post, request.Method);
            Assert.EndsWith("/start", path, StringComparison.Ordinal);
            Interlocked.Increment(ref _startPosts);
            var fault = StartFaults.TryDequeue(out var next) ? next : (Fault?)null;
            if (fault is Fault.ServerErrorWithoutStarting)
            {
                return Json(HttpStatusCode.ServiceUnavailable, """{"error":{"code":"ServiceUnavailable","message":"busy"}}""");
            }

            if (fault is Fault.TimeOutWithoutStarting)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var template = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
            string name;
            lock (_executions)
            {
                name = $"gpu-stage-{_executions.Count + 1}";
                _executions.Add((name, template));
            }

            switch (fault)
            {
                case Fault.TimeOutAfterStarting:
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    break;
                case Fault.ServerErrorAfterStarting:
                    return Json(HttpStatusCode.InternalServerError, """{"error":{"code":"InternalServerError","message":"oops"}}""");
            }

            return Json(HttpStatusCode.OK, $$"""{"name":"{{name}}"}""");
        }

        private HttpResponseMessage List(Uri uri)
        {
            var skip = uri.Query.Contains("skip=", StringComparison.Ordinal) ? int.Parse(uri.Query.Split("skip=")[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
            var value = new JsonArray();
            int total;
            lock (_executions)
            {
                total = _executions.Count;
                foreach (var (name, template) in _executions.Skip(skip).Take(PageSize))
                {
                    value.Add(new JsonObject { ["name"] = name, ["properties"] = new JsonObject { ["status"] = "Running", ["template"] = template.DeepClone() } });
                }
            }

            var page = new JsonObject { ["value"] = value };
            if (skip + PageSize < total)
            {
                page["nextLink"] = $"https://management.azure.com{JobResourceId}/executions?api-version=2024-03-01&skip={skip + PageSize}";
            }

            return Json(HttpStatusCode.OK, page.ToJsonString());
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
            new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }

    private sealed class StaticToken : Azure.Core.TokenCredential
    {
        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("test-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
