using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Serverless.Api;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Api;

public sealed class JobsApiTests : IDisposable
{
    private const string JobId = "0123456789abcdef0123456789abcdef";
    private const string ProblemJson = "application/problem+json";
    private static readonly DateTimeOffset Created = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly Mock<DurableTaskClient> _client = new("test") { CallBase = true };
    private readonly Mock<IBlobStore> _blobs = new(MockBehavior.Strict);
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().BuildServiceProvider();
    private readonly InMemoryJobIndex _index = new();
    private readonly FixedTimeProvider _time = new(Created);
    private readonly JobService _jobs;
    private readonly DefaultHttpContext _http;

    public JobsApiTests()
    {
        // The real Durable client adapter over a mocked client: these tests are of the API, the service and the adapter.
        _jobs = new JobService(new DurableClientEngine(_client.Object), _index, _blobs.Object, new JobSpecParser(new WorkloadCatalog(WorkloadCatalog.BuiltIn(_blobs.Object))), new JobEngineOptions(250), _time);
        _http = new DefaultHttpContext { RequestServices = _services };
        _http.Request.Scheme = "https";
        _http.Request.Host = new HostString("jobs.example:8443");
        _http.Request.PathBase = "/engine";
        _http.Response.Body = new MemoryStream();
        _client
            .Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((TaskName _, object? _, StartOrchestrationOptions? options, CancellationToken _) => options!.InstanceId!);
        _client
            .Setup(c => c.TerminateInstanceAsync(It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);
    }

    public void Dispose() => _services.Dispose();

    private static JobSpec Spec => Specs.MonteCarlo(shards: 10, samples: 1_000);

    private static OrchestrationMetadata Job(OrchestrationRuntimeStatus status, object? customStatus = null, object? output = null, string name = nameof(JobOrchestrator), string id = JobId, TaskFailureDetails? failure = null, DateTimeOffset? createdAt = null, JobInput? input = null) =>
        new(name, id)
        {
            RuntimeStatus = status,
            CreatedAt = createdAt ?? Created,
            FailureDetails = failure,
            LastUpdatedAt = Created.AddMinutes(1),
            SerializedInput = JsonDataConverter.Default.Serialize(input ?? new JobInput(Spec, 250)),
            SerializedCustomStatus = customStatus is null ? null : JsonDataConverter.Default.Serialize(customStatus),
            SerializedOutput = output is null ? null : JsonDataConverter.Default.Serialize(output),
            DataConverter = JsonDataConverter.Default,
        };

    private static JobOutcome Outcome(JobResultStatus status, string? resultBlob) =>
        new(JobId, "montecarlo-pi", status, 10, 10, 0, [], JsonSerializer.SerializeToElement(new { estimate = 3.14 }),
            new JobBlobs(resultBlob, JobBlobLayout.Manifest(JobId), JobBlobLayout.ShardsFolder(JobId)), null);

    private void GivenInstance(OrchestrationMetadata? metadata, string id = JobId) =>
        _client.Setup(c => c.GetInstancesAsync(id, It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(metadata);

    private void GivenAllInstances(params OrchestrationMetadata[] instances) =>
        _client
            .Setup(c => c.GetAllInstancesAsync(It.IsAny<OrchestrationQuery?>()))
            .Returns(Pageable.Create((string? _, int? _, CancellationToken _) => Task.FromResult(new Page<OrchestrationMetadata>(instances, null))));

    private void GivenBody(string json) => _http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));

    private async Task<JsonElement> ExecuteAsync(IResult result)
    {
        await result.ExecuteAsync(_http);
        var body = (MemoryStream)_http.Response.Body;
        if (body.Length == 0)
        {
            return default;
        }

        using var document = JsonDocument.Parse(body.ToArray());
        return document.RootElement.Clone();
    }

    private string ResponseText() => Encoding.UTF8.GetString(((MemoryStream)_http.Response.Body).ToArray());

    private void VerifyNeverScheduled() =>
        _client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);

    private void VerifyNeverTerminated() =>
        _client.Verify(c => c.TerminateInstanceAsync(It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);

    [Fact]
    public async Task SubmitAsync_ValidSpec_Returns202WithLinksAndStartsJobOrchestrator()
    {
        // Arrange
        GivenBody("""{ "workload": "primes", "shards": 4, "parameters": { "limit": 1000 } }""");
        object? scheduledInput = null;
        _client
            .Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((TaskName _, object? input, StartOrchestrationOptions? _, CancellationToken _) => scheduledInput = input)
            .ReturnsAsync((TaskName _, object? _, StartOrchestrationOptions? options, CancellationToken _) => options!.InstanceId!);

        // Act
        var body = await ExecuteAsync(await JobsApi.SubmitAsync(_http.Request, _jobs));

        // Assert: the response.
        Assert.Equal(StatusCodes.Status202Accepted, _http.Response.StatusCode);
        Assert.StartsWith("application/json", _http.Response.ContentType, StringComparison.Ordinal);
        var id = body.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        var status = $"https://jobs.example:8443/engine/api/jobs/{id}";
        Assert.Equal(status, body.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal(status + "/cancel", body.GetProperty("cancelPostUri").GetString());
        Assert.Equal(status + "/result", body.GetProperty("resultGetUri").GetString());
        Assert.Equal(status, _http.Response.Headers.Location.ToString());

        // Assert: the orchestration started, under the job id, with the parsed spec.
        _client.Verify(
            c => c.ScheduleNewOrchestrationInstanceAsync(
                It.Is<TaskName>(n => n.Name == nameof(JobOrchestrator)),
                It.IsAny<object?>(),
                It.Is<StartOrchestrationOptions?>(o => o != null && o.InstanceId == id),
                It.IsAny<CancellationToken>()),
            Times.Once);
        var input = Assert.IsType<JobInput>(scheduledInput);
        Assert.Equal(250, input.ShardsPerOrchestration);
        Assert.Equal(("primes", 4, 4), (input.Spec.Workload, input.Spec.Shards, input.Spec.MaxParallelism));
        Assert.Equal(1000, input.Spec.Parameters["limit"].GetInt64());

        // Assert: indexed for the job list, with its workload and the submission time.
        Assert.Equal([new JobIndexEntry(id, "primes", Created)], _index.Entries);
    }

    [Fact]
    public async Task SubmitAsync_InvalidSpec_Returns400ProblemNamingEveryBadFieldAndStartsNothing()
    {
        // Arrange
        GivenBody("""{ "workload": "montecarlo-pi", "shards": "abc", "maxParallelism": 0, "parameters": { "samples": 100 } }""");

        // Act
        var body = await ExecuteAsync(await JobsApi.SubmitAsync(_http.Request, _jobs));

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.Equal("The job spec is invalid.", body.GetProperty("title").GetString());
        var errors = body.GetProperty("errors");
        Assert.Equal(["maxParallelism", "shards"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("integer", errors.GetProperty("shards")[0].GetString(), StringComparison.Ordinal);
        VerifyNeverScheduled();
    }

    [Fact]
    public async Task SubmitAsync_MalformedJson_Returns400ProblemOnRoot()
    {
        // Arrange
        GivenBody("{ not json");

        // Act
        var body = await ExecuteAsync(await JobsApi.SubmitAsync(_http.Request, _jobs));

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.True(body.GetProperty("errors").TryGetProperty("$", out _));
        VerifyNeverScheduled();
    }

    [Fact]
    public async Task GetStatusAsync_UnknownJob_Returns404Problem()
    {
        // Arrange
        GivenInstance(null, "nope");

        // Act
        var body = await ExecuteAsync(await JobsApi.GetStatusAsync(_http.Request, _jobs, "nope"));

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal("Job not found.", body.GetProperty("title").GetString());
        Assert.Contains("'nope'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStatusAsync_SubOrchestration_Returns404Problem()
    {
        // Arrange
        var childId = JobId + ":0-250";
        GivenInstance(Job(OrchestrationRuntimeStatus.Running, name: nameof(ShardRangeOrchestrator), id: childId), childId);

        // Act
        await ExecuteAsync(await JobsApi.GetStatusAsync(_http.Request, _jobs, childId));

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
    }

    [Fact]
    public async Task GetStatusAsync_RunningJob_Returns200WithStatusAndProgress()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running, customStatus: new JobProgress("Running", 10, 4, 1)));

        // Act
        var body = await ExecuteAsync(await JobsApi.GetStatusAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status200OK, _http.Response.StatusCode);
        Assert.StartsWith("application/json", _http.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal(JobId, body.GetProperty("instanceId").GetString());
        Assert.Equal(nameof(JobOrchestrator), body.GetProperty("name").GetString());
        Assert.Equal("Running", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal("Running", body.GetProperty("phase").GetString());
        Assert.Equal("montecarlo-pi", body.GetProperty("workload").GetString());
        Assert.Equal(10, body.GetProperty("shards").GetInt32());
        var progress = body.GetProperty("customStatus");
        Assert.Equal((10, 4, 1), (progress.GetProperty("totalShards").GetInt32(), progress.GetProperty("completedShards").GetInt32(), progress.GetProperty("failedShards").GetInt32()));
        Assert.Equal(Created, body.GetProperty("createdTime").GetDateTimeOffset());
        Assert.Equal(JobBlobLayout.Manifest(JobId), body.GetProperty("blobs").GetProperty("manifest").GetString());
        Assert.False(body.TryGetProperty("output", out _));
        _client.Verify(c => c.GetInstancesAsync(JobId, true, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task GetStatusAsync_PendingJobSubmittedWithoutShards_ShowsTheWorkloadsDefault()
    {
        // Arrange: 2.5 × 10^10 numbers to sieve is about 25 core-seconds; no progress is reported yet.
        var spec = new JobSpecParser(new WorkloadCatalog(WorkloadCatalog.BuiltIn(_blobs.Object)))
            .Parse("""{ "workload": "primes", "parameters": { "limit": 25000000000 } }""", new ValidationErrors())!;
        GivenInstance(Job(OrchestrationRuntimeStatus.Pending, input: new JobInput(spec, 250)));

        // Act
        var body = await ExecuteAsync(await JobsApi.GetStatusAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(25, body.GetProperty("shards").GetInt32());
        Assert.False(body.TryGetProperty("customStatus", out _));
    }

    [Fact]
    public async Task GetStatusAsync_ItemJobBeingPlanned_OmitsShardsUntilThePlanGivesThem()
    {
        // Arrange: an item spec's shard count is a placeholder until its input is planned.
        var spec = new JobSpecParser(new WorkloadCatalog(WorkloadCatalog.BuiltIn(_blobs.Object)))
            .Parse("""{ "workload": "wordcount", "input": { "blob": "data/a.txt" } }""", new ValidationErrors())!;
        var planning = Job(OrchestrationRuntimeStatus.Running, customStatus: new JobProgress("Planning", 0, 0, 0), input: new JobInput(spec, 250));
        var running = Job(OrchestrationRuntimeStatus.Running, customStatus: new JobProgress("Running", 7, 2, 0), input: new JobInput(spec, 250));

        // Act
        GivenInstance(planning);
        var whilePlanning = await _jobs.GetAsync(JobId);
        GivenInstance(running);
        var afterPlanning = await _jobs.GetAsync(JobId);

        // Assert
        Assert.Null(whilePlanning!.Shards);
        Assert.Equal(7, afterPlanning!.Shards);
    }

    [Fact]
    public async Task GetStatusAsync_CompletedJob_Returns200WithOutputAndPhaseFromOutcome()
    {
        // Arrange
        GivenInstance(Job(
            OrchestrationRuntimeStatus.Completed,
            customStatus: new JobProgress("CompletedWithFailures", 10, 10, 1),
            output: Outcome(JobResultStatus.CompletedWithFailures, JobBlobLayout.Result(JobId)) with { SucceededShards = 9, FailedShards = 1, FailedShardIndexes = [3], Error = "1 of 10 shards failed" }));

        // Act
        var body = await ExecuteAsync(await JobsApi.GetStatusAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status200OK, _http.Response.StatusCode);
        Assert.Equal("Completed", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal("CompletedWithFailures", body.GetProperty("phase").GetString());
        Assert.Equal("1 of 10 shards failed", body.GetProperty("error").GetString());
        Assert.Equal("CompletedWithFailures", body.GetProperty("output").GetProperty("status").GetString());
        Assert.Equal([3], body.GetProperty("output").GetProperty("failedShardIndexes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JobBlobLayout.Result(JobId), body.GetProperty("blobs").GetProperty("result").GetString());
    }

    [Fact]
    public async Task CancelAsync_RunningJob_TerminatesJobAndItsRangesAndReturns202()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        GivenAllInstances(Job(OrchestrationRuntimeStatus.Running, name: nameof(ShardRangeOrchestrator), id: JobId + ":0-250"));

        // Act
        var body = await ExecuteAsync(await JobsApi.CancelAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status202Accepted, _http.Response.StatusCode);
        Assert.Equal(JobId, body.GetProperty("id").GetString());
        _client.Verify(c => c.TerminateInstanceAsync(JobId, JobService.CancelReason, It.IsAny<CancellationToken>()), Times.Once);
        _client.Verify(c => c.TerminateInstanceAsync(JobId + ":0-250", JobService.CancelReason, It.IsAny<CancellationToken>()), Times.Once);
        _client.Verify(c => c.GetAllInstancesAsync(It.Is<OrchestrationQuery?>(q => q != null && q.InstanceIdPrefix == JobId + ":")), Times.Once);
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Failed)]
    [InlineData(OrchestrationRuntimeStatus.Terminated)]
    public async Task CancelAsync_FinishedJob_Returns409ProblemAndTerminatesNothing(OrchestrationRuntimeStatus status)
    {
        // Arrange
        GivenInstance(Job(status, output: status == OrchestrationRuntimeStatus.Completed ? Outcome(JobResultStatus.Completed, JobBlobLayout.Result(JobId)) : null));

        // Act
        var body = await ExecuteAsync(await JobsApi.CancelAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status409Conflict, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal(409, body.GetProperty("status").GetInt32());
        VerifyNeverTerminated();
    }

    [Fact]
    public async Task CancelAsync_UnknownJob_Returns404ProblemAndTerminatesNothing()
    {
        // Arrange
        GivenInstance(null);

        // Act
        await ExecuteAsync(await JobsApi.CancelAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        VerifyNeverTerminated();
    }

    [Fact]
    public async Task GetResultAsync_RunningJob_Returns409ProblemWithoutReadingBlobs()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running, customStatus: new JobProgress("Reducing", 10, 10, 0)));

        // Act
        var body = await ExecuteAsync(await JobsApi.GetResultAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status409Conflict, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Contains("Reducing", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        _blobs.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task GetResultAsync_FailedJob_Returns409ProblemWithTheReason()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Failed, failure: new TaskFailureDetails(nameof(JobFailedException), "3 of 10 shards failed", null, null, null)));

        // Act
        var body = await ExecuteAsync(await JobsApi.GetResultAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status409Conflict, _http.Response.StatusCode);
        Assert.Contains("3 of 10 shards failed", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        _blobs.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task GetResultAsync_CompletedJob_Returns200WithTheResultBlob()
    {
        // Arrange
        const string content = """{"jobId":"x","result":{"estimate":3.1416}}""";
        GivenInstance(Job(OrchestrationRuntimeStatus.Completed, output: Outcome(JobResultStatus.Completed, JobBlobLayout.Result(JobId))));
        _blobs.Setup(b => b.ReadAsync(JobBlobLayout.Result(JobId), It.IsAny<CancellationToken>())).ReturnsAsync(BinaryData.FromString(content));

        // Act
        await ExecuteAsync(await JobsApi.GetResultAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status200OK, _http.Response.StatusCode);
        Assert.Equal("application/json", _http.Response.ContentType);
        Assert.Equal(content, ResponseText());
        _blobs.Verify(b => b.ReadAsync(JobBlobLayout.Result(JobId), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task GetResultAsync_CompletedButBlobMissing_Returns404Problem()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Completed, output: Outcome(JobResultStatus.Completed, JobBlobLayout.Result(JobId))));
        _blobs.Setup(b => b.ReadAsync(JobBlobLayout.Result(JobId), It.IsAny<CancellationToken>())).ReturnsAsync((BinaryData?)null);

        // Act
        var body = await ExecuteAsync(await JobsApi.GetResultAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Contains(JobBlobLayout.Result(JobId), body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResultAsync_UnknownJob_Returns404Problem()
    {
        // Arrange
        GivenInstance(null);

        // Act
        await ExecuteAsync(await JobsApi.GetResultAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        _blobs.VerifyNoOtherCalls();
    }

    /// <summary>Indexes a job and makes the client know it, created <paramref name="minutesAfter"/> minutes after <see cref="Created"/>.</summary>
    private async Task GivenIndexedJobAsync(string id, int minutesAfter, OrchestrationRuntimeStatus status = OrchestrationRuntimeStatus.Completed, string workload = "montecarlo-pi")
    {
        var created = Created.AddMinutes(minutesAfter);
        await _index.TryAddAsync(new JobIndexEntry(id, workload, created));
        GivenInstance(Job(status, id: id, createdAt: created), id);
    }

    private async Task<JsonElement> ListAsync(string query)
    {
        _http.Request.QueryString = new QueryString(query);
        _http.Response.Body = new MemoryStream();
        return await ExecuteAsync(await JobsApi.ListAsync(_http.Request, _jobs));
    }

    private static List<string?> Ids(JsonElement page) =>
        page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("instanceId").GetString()).ToList();

    [Fact]
    public async Task ListAsync_ManyJobs_FullPagesNewestFirstAndNoTokenOnTheLastPage()
    {
        // Arrange: five jobs, a minute apart.
        for (var i = 0; i < 5; i++)
        {
            await GivenIndexedJobAsync($"job{i}", i);
        }

        // Act
        var first = await ListAsync("?pageSize=2");
        var second = await ListAsync("?pageSize=2&continuationToken=" + Uri.EscapeDataString(first.GetProperty("continuationToken").GetString()!));
        var third = await ListAsync("?pageSize=2&continuationToken=" + Uri.EscapeDataString(second.GetProperty("continuationToken").GetString()!));

        // Assert
        Assert.Equal(["job4", "job3"], Ids(first));
        Assert.Equal(["job2", "job1"], Ids(second));
        Assert.Equal(["job0"], Ids(third));
        Assert.False(third.TryGetProperty("continuationToken", out _));
    }

    [Fact]
    public async Task ListAsync_PageExactlyFull_HasNoTokenWhenNothingFollows()
    {
        // Arrange
        await GivenIndexedJobAsync("a", 0);
        await GivenIndexedJobAsync("b", 1);

        // Act
        var page = await ListAsync("?pageSize=2");

        // Assert
        Assert.Equal(["b", "a"], Ids(page));
        Assert.False(page.TryGetProperty("continuationToken", out _));
    }

    [Fact]
    public async Task ListAsync_StatusFilter_SkipsOtherJobsAndStillFillsThePage()
    {
        // Arrange: running jobs between failed ones.
        await GivenIndexedJobAsync("failed1", 0, OrchestrationRuntimeStatus.Failed);
        await GivenIndexedJobAsync("running1", 1, OrchestrationRuntimeStatus.Running);
        await GivenIndexedJobAsync("failed2", 2, OrchestrationRuntimeStatus.Failed);
        await GivenIndexedJobAsync("running2", 3, OrchestrationRuntimeStatus.Running);
        await GivenIndexedJobAsync("failed3", 4, OrchestrationRuntimeStatus.Failed);

        // Act
        var page = await ListAsync("?pageSize=2&status=failed,Terminated");

        // Assert
        Assert.Equal(["failed3", "failed2"], Ids(page));
        Assert.True(page.TryGetProperty("continuationToken", out _));
    }

    [Fact]
    public async Task ListAsync_WorkloadAndTimeFilters_ReturnOnlyMatchingJobs()
    {
        // Arrange
        await GivenIndexedJobAsync("early-pi", 0);
        await GivenIndexedJobAsync("primes", 10, workload: "primes");
        await GivenIndexedJobAsync("middle-pi", 10);
        await GivenIndexedJobAsync("late-pi", 20);
        var after = Created.AddMinutes(5).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        var before = Created.AddMinutes(15).ToString("o", System.Globalization.CultureInfo.InvariantCulture);

        // Act
        var page = await ListAsync($"?workload=montecarlo-pi&createdAfter={Uri.EscapeDataString(after)}&createdBefore={Uri.EscapeDataString(before)}");

        // Assert
        Assert.Equal(["middle-pi"], Ids(page));
    }

    [Fact]
    public async Task ListAsync_IndexedJobTheEngineDoesNotKnow_IsLeftOut()
    {
        // Arrange: a start that failed after the job was indexed.
        await _index.TryAddAsync(new JobIndexEntry("lost", "primes", Created));
        GivenInstance(null, "lost");
        await GivenIndexedJobAsync("kept", 1);

        // Act
        var page = await ListAsync(string.Empty);

        // Assert
        Assert.Equal(["kept"], Ids(page));
    }

    [Theory]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=1001", "pageSize")]
    [InlineData("?pageSize=-5", "pageSize")]
    [InlineData("?status=Done", "status")]
    [InlineData("?status=3", "status")]
    [InlineData("?createdAfter=yesterday", "createdAfter")]
    [InlineData("?createdBefore=2026-13-01", "createdBefore")]
    [InlineData("?continuationToken=abc", "continuationToken")]
    public async Task ListAsync_BadQuery_Returns400ProblemNamingTheParameter(string query, string field)
    {
        // Act
        var body = await ListAsync(query);

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal([field], body.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task GetFileAsync_JobNamedFiles_ReadsTheNameAfterItsOwnFilesSegment()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Completed, id: "files"), "files");
        _blobs.Setup(b => b.ReadAsync(JobBlobLayout.Artifact("files", "items/failed-0.jsonl"), It.IsAny<CancellationToken>())).ReturnsAsync(BinaryData.FromString("{}\n"));
        _http.Request.Path = "/api/jobs/files/files/items/failed-0.jsonl";

        // Act
        await ExecuteAsync(await JobsApi.GetFileAsync(_http.Request, _jobs, "files"));

        // Assert
        Assert.Equal(StatusCodes.Status200OK, _http.Response.StatusCode);
        Assert.Equal("{}\n", ResponseText());
    }

    [Fact]
    public async Task ListCallsAsync_WrappedMarkerThatStorageRefuses_Returns400NamingTheToken()
    {
        // Arrange: a token in our wrapping, around a marker Blob Storage answers 400 to.
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));
        _blobs
            .Setup(b => b.ListPageAsync(JobBlobLayout.ShardsFolder(JobId), It.IsAny<int>(), "not-a-marker", It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Azure.RequestFailedException(400, "The continuation token is invalid.", "OutOfRangeInput", null));
        _http.Request.QueryString = new QueryString("?continuationToken=" + CallPageTokens.Write("not-a-marker"));

        // Act
        var body = await ExecuteAsync(await JobsApi.ListCallsAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        Assert.Equal(["continuationToken"], body.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task GetStatusAsync_RunningJobWithRunningRanges_AddsTheirProgressByIdWithoutListingRanges()
    {
        // Arrange: 10,000 shards; the job has finished ranges worth 250 shards (1 failed) and runs two; one of
        // those runs a leaf of its own; the other finished just after the job's status was written.
        var job = new JobProgress("Running", 10_000, 250, 1, [JobId + ":2500-5000", JobId + ":5000-7500"]);
        GivenInstance(Job(OrchestrationRuntimeStatus.Running, job, input: new JobInput(Spec with { Shards = 10_000 }, 250)));
        var middle = new JobProgress("Running", 2_500, 100, 2, [JobId + ":2750-3000"]);
        GivenInstance(Job(OrchestrationRuntimeStatus.Running, middle, name: nameof(ShardRangeOrchestrator), id: JobId + ":2500-5000"), JobId + ":2500-5000");
        GivenInstance(Job(OrchestrationRuntimeStatus.Running, new JobProgress("Running", 250, 40, 0), name: nameof(ShardRangeOrchestrator), id: JobId + ":2750-3000"), JobId + ":2750-3000");
        GivenInstance(Job(OrchestrationRuntimeStatus.Completed, output: new RangeSummary(5000, 7500, 2_497, 3, "blob"), name: nameof(ShardRangeOrchestrator), id: JobId + ":5000-7500"), JobId + ":5000-7500");

        // Act
        var body = await ExecuteAsync(await JobsApi.GetStatusAsync(_http.Request, _jobs, JobId));

        // Assert: 250 + 100 + 40 + 2,500 finished, 1 + 2 + 3 failed; no listing of the job's ranges.
        var progress = body.GetProperty("customStatus");
        Assert.Equal(2_890, progress.GetProperty("completedShards").GetInt32());
        Assert.Equal(6, progress.GetProperty("failedShards").GetInt32());
        Assert.False(progress.TryGetProperty("runningRanges", out _));
        _client.Verify(c => c.GetAllInstancesAsync(It.IsAny<OrchestrationQuery?>()), Times.Never);
    }

    [Fact]
    public async Task GetStatusAsync_RunningSmallJob_DoesNotQueryRanges()
    {
        GivenInstance(Job(OrchestrationRuntimeStatus.Running, new JobProgress("Running", 10, 4, 0)));

        var body = await ExecuteAsync(await JobsApi.GetStatusAsync(_http.Request, _jobs, JobId));

        Assert.Equal(4, body.GetProperty("customStatus").GetProperty("completedShards").GetInt32());
        _client.Verify(c => c.GetAllInstancesAsync(It.IsAny<OrchestrationQuery?>()), Times.Never);
    }

    private void GivenRanges(params OrchestrationMetadata[] ranges) => GivenAllInstances(ranges);

    private static AsyncPageable<OrchestrationMetadata> Listed(params OrchestrationMetadata[] instances) =>
        Pageable.Create((string? _, int? _, CancellationToken _) => Task.FromResult(new Page<OrchestrationMetadata>(instances, null)));

    [Fact]
    public async Task SuspendAsync_RunningJob_SuspendsTheJobThenEachLevelOfRangesAndReturns202()
    {
        // Arrange: the job reports Suspended once the engine has applied it; its middle range had started a
        // leaf just before it was suspended itself, so the leaf shows up in the second listing.
        _client.SetupSequence(c => c.GetInstancesAsync(JobId, It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Job(OrchestrationRuntimeStatus.Running))
            .ReturnsAsync(Job(OrchestrationRuntimeStatus.Suspended));
        var middle = Job(OrchestrationRuntimeStatus.Running, name: nameof(ShardRangeOrchestrator), id: JobId + ":0-250000");
        var leaf = Job(OrchestrationRuntimeStatus.Pending, name: nameof(ShardRangeOrchestrator), id: JobId + ":0-500");
        _client.SetupSequence(c => c.GetAllInstancesAsync(It.IsAny<OrchestrationQuery?>()))
            .Returns(Listed(middle))
            .Returns(Listed(leaf))
            .Returns(Listed());
        var suspended = new List<string>();
        _client.Setup(c => c.SuspendInstanceAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Callback((string id, string? _, CancellationToken _) => suspended.Add(id))
            .Returns(Task.CompletedTask);

        // Act
        await ExecuteAsync(await JobsApi.SuspendAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status202Accepted, _http.Response.StatusCode);
        Assert.Equal([JobId, JobId + ":0-250000", JobId + ":0-500"], suspended);
        _client.Verify(c => c.GetAllInstancesAsync(It.Is<OrchestrationQuery?>(q => q!.InstanceIdPrefix == JobId + ":" && q.Statuses!.Contains(OrchestrationRuntimeStatus.Running) && q.Statuses!.Contains(OrchestrationRuntimeStatus.Pending))), Times.Exactly(3));
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Suspended)]
    public async Task SuspendAsync_JobNotRunning_Returns409AndSuspendsNothing(OrchestrationRuntimeStatus status)
    {
        // Arrange
        GivenInstance(Job(status));

        // Act
        await ExecuteAsync(await JobsApi.SuspendAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status409Conflict, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
        _client.Verify(c => c.SuspendInstanceAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ResumeAsync_SuspendedJob_ResumesItsSuspendedRangesAndTheJob()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Suspended));
        GivenRanges(Job(OrchestrationRuntimeStatus.Suspended, name: nameof(ShardRangeOrchestrator), id: JobId + ":250-500"));
        var resumed = new List<string>();
        _client.Setup(c => c.ResumeInstanceAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Callback((string id, string? _, CancellationToken _) => resumed.Add(id))
            .Returns(Task.CompletedTask);

        // Act
        await ExecuteAsync(await JobsApi.ResumeAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status202Accepted, _http.Response.StatusCode);
        Assert.Equal([JobId + ":250-500", JobId], resumed);
    }

    [Fact]
    public async Task ResumeAsync_RunningJob_Returns409()
    {
        // Arrange
        GivenInstance(Job(OrchestrationRuntimeStatus.Running));

        // Act
        await ExecuteAsync(await JobsApi.ResumeAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status409Conflict, _http.Response.StatusCode);
        _client.Verify(c => c.ResumeInstanceAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task PurgeAsync_UnknownJob_Returns404()
    {
        // Arrange
        GivenInstance(null);

        // Act
        await ExecuteAsync(await JobsApi.PurgeAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, _http.Response.StatusCode);
        Assert.Equal(ProblemJson, _http.Response.ContentType);
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Suspended, OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Terminated, OrchestrationRuntimeStatus.Running)]
    public async Task PurgeAsync_JobOrARangeNotFinished_Returns409AndPurgesNothing(OrchestrationRuntimeStatus job, OrchestrationRuntimeStatus range)
    {
        // Arrange
        GivenInstance(Job(job));
        GivenRanges(Job(range, name: nameof(ShardRangeOrchestrator), id: JobId + ":0-250"));

        // Act
        await ExecuteAsync(await JobsApi.PurgeAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status409Conflict, _http.Response.StatusCode);
        _client.Verify(c => c.PurgeInstanceAsync(It.IsAny<string>(), It.IsAny<PurgeInstanceOptions?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task PurgeAsync_FinishedJobWithBlobs_PurgesRangesThenJobRemovesItsIndexEntryAndResultsAndReturns204()
    {
        // Arrange
        await GivenIndexedJobAsync(JobId, 0);
        await GivenIndexedJobAsync("other", 1);
        GivenRanges(Job(OrchestrationRuntimeStatus.Completed, name: nameof(ShardRangeOrchestrator), id: JobId + ":0-250"));
        var purged = new List<string>();
        _client.Setup(c => c.PurgeInstanceAsync(It.IsAny<string>(), It.IsAny<PurgeInstanceOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((string id, PurgeInstanceOptions? _, CancellationToken _) => purged.Add(id))
            .ReturnsAsync(new PurgeResult(1));
        string[] results = [JobBlobLayout.Manifest(JobId), JobBlobLayout.Spec(JobId)];
        _blobs.Setup(b => b.ListAsync(JobBlobLayout.Folder(JobId), It.IsAny<CancellationToken>()))
            .Returns(results.Select(path => new BlobEntry(path, 1, "etag")).ToAsyncEnumerable());
        var deleted = new List<string>();
        _blobs.Setup(b => b.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string path, CancellationToken _) => deleted.Add(path))
            .ReturnsAsync(true);
        _http.Request.QueryString = new QueryString("?blobs=true");

        // Act
        await ExecuteAsync(await JobsApi.PurgeAsync(_http.Request, _jobs, JobId));

        // Assert
        Assert.Equal(StatusCodes.Status204NoContent, _http.Response.StatusCode);
        Assert.Equal([JobId + ":0-250", JobId], purged);
        Assert.Equal(results, deleted);
        Assert.Equal(["other"], _index.Entries.Select(e => e.JobId));
    }

    [Fact]
    public async Task PurgeAsync_WithoutBlobs_LeavesTheResults()
    {
        // Arrange
        await GivenIndexedJobAsync(JobId, 0);
        GivenRanges();
        _client.Setup(c => c.PurgeInstanceAsync(JobId, It.IsAny<PurgeInstanceOptions?>(), It.IsAny<CancellationToken>())).ReturnsAsync(new PurgeResult(1));

        // Act
        await ExecuteAsync(await JobsApi.PurgeAsync(_http.Request, _jobs, JobId));

        // Assert: the strict blob mock saw no call.
        Assert.Equal(StatusCodes.Status204NoContent, _http.Response.StatusCode);
        _blobs.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task PurgeExpiredAsync_RetentionDays_PurgesOnlyFinishedJobsOlderThanThat()
    {
        // Arrange: a clock 30 days and an hour after two old jobs (one finished, one still running) and one new job.
        await GivenIndexedJobAsync("old-done", 0, OrchestrationRuntimeStatus.Failed);
        await GivenIndexedJobAsync("old-running", 1, OrchestrationRuntimeStatus.Running);
        await GivenIndexedJobAsync("new-done", 60 * 24 * 30, OrchestrationRuntimeStatus.Completed);
        GivenRanges();
        var purged = new List<string>();
        _client.Setup(c => c.PurgeInstanceAsync(It.IsAny<string>(), It.IsAny<PurgeInstanceOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((string id, PurgeInstanceOptions? _, CancellationToken _) => purged.Add(id))
            .ReturnsAsync(new PurgeResult(1));
        _blobs.Setup(b => b.ListAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(AsyncEnumerable.Empty<BlobEntry>());
        var jobs = new JobService(new DurableClientEngine(_client.Object), _index, _blobs.Object, new JobSpecParser(new WorkloadCatalog(WorkloadCatalog.BuiltIn(_blobs.Object))), new JobEngineOptions(250) { RetentionDays = 30 }, new FixedTimeProvider(Created.AddDays(30).AddHours(1)));

        // Act
        var reports = await jobs.PurgeExpiredAsync();

        // Assert
        Assert.Equal(["old-done"], purged);
        Assert.Equal([new PurgeReport("old-done", PurgeOutcome.Purged, 1, 0)], reports);
        Assert.Equal(["new-done", "old-running"], _index.Entries.Select(e => e.JobId));
    }

    [Fact]
    public async Task PurgeExpiredAsync_RetentionOff_PurgesNothing()
    {
        // Arrange
        await GivenIndexedJobAsync("old-done", 0);
        var jobs = new JobService(new DurableClientEngine(_client.Object), _index, _blobs.Object, new JobSpecParser(new WorkloadCatalog(WorkloadCatalog.BuiltIn(_blobs.Object))), new JobEngineOptions(250) { RetentionDays = 0 }, new FixedTimeProvider(Created.AddYears(1)));

        // Act
        var reports = await jobs.PurgeExpiredAsync();

        // Assert
        Assert.Empty(reports);
        Assert.Single(_index.Entries);
    }
}
