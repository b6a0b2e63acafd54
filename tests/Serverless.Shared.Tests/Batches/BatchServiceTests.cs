using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.Api;
using Serverless.Batches;
using Serverless.Engine;
using Serverless.Jobs;
using Serverless.Orchestration;
using Serverless.Storage;
using Serverless.Tests.TestSupport;
using Serverless.Workloads;

namespace Serverless.Tests.Batches;

public sealed class BatchServiceTests
{
    private const string ETag = "\"0x8DD0000000000A1\"";
    private const string PiSpec = """{"workload":"montecarlo-pi","shards":2,"parameters":{"samples":1000}}""";
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
    private readonly Mock<DurableTaskClient> _client = new("test") { CallBase = true };
    private readonly ConcurrentDictionary<string, JobInput> _scheduled = new(StringComparer.Ordinal);
    private readonly FakeBatchStore _store = new();
    private readonly InMemoryJobIndex _index = new();
    private readonly BatchService _batches;
    private readonly ConcurrentDictionary<string, bool> _startedElsewhere = new(StringComparer.Ordinal);
    private bool _failNextStart;

    public BatchServiceTests()
    {
        var blobs = new InMemoryBlobStore();
        var jobs = new JobService(new DurableClientEngine(_client.Object), _index, blobs, new JobSpecParser(new WorkloadCatalog(WorkloadCatalog.BuiltIn(blobs))), new JobEngineOptions(250), new FixedTimeProvider(Now));
        _batches = new BatchService(jobs, _store, new FixedTimeProvider(Now), NullLogger<BatchService>.Instance);
        _client
            .Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => _scheduled.ContainsKey(id) || _startedElsewhere.ContainsKey(id) ? new OrchestrationMetadata(nameof(JobOrchestrator), id) { RuntimeStatus = OrchestrationRuntimeStatus.Pending } : null);
        _client
            .Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((TaskName _, object? input, StartOrchestrationOptions? options, CancellationToken _) =>
            {
                if (_failNextStart)
                {
                    _failNextStart = false;
                    throw new InvalidOperationException("The engine's storage is unreachable.");
                }

                _scheduled[options!.InstanceId!] = (JobInput)input!;
                return options.InstanceId!;
            });
    }

    private BatchBlob Given(string name, string content, string etag = ETag) => _store.Put(BatchLayout.Path(name), Encoding.UTF8.GetBytes(content), etag, name);

    private static JsonElement Json(BinaryData data) => JsonDocument.Parse(data.ToMemory()).RootElement.Clone();

    [Fact]
    public void JobId_SameNameAndETag_SameId()
    {
        Assert.Equal(BatchLayout.JobId("pi.json", ETag), BatchLayout.JobId("pi.json", ETag));
        Assert.Matches("^batch-[0-9a-f]{32}$", BatchLayout.JobId("pi.json", ETag));
    }

    [Fact]
    public void JobId_NewETagOrOtherName_NewId()
    {
        var id = BatchLayout.JobId("pi.json", ETag);

        Assert.NotEqual(id, BatchLayout.JobId("pi.json", "\"0x8DD0000000000A2\""));
        Assert.NotEqual(id, BatchLayout.JobId("pi2.json", ETag));
    }

    [Fact]
    public void JobId_ETagWithOrWithoutQuotes_SameId() =>
        Assert.Equal(BatchLayout.JobId("pi.json", ETag), BatchLayout.JobId("pi.json", ETag.Trim('"')));

    [Theory]
    [InlineData("pi.json", BatchKind.JobSpec)]
    [InlineData("PI.JSON", BatchKind.JobSpec)]
    [InlineData("wordcount/data.txt", BatchKind.DataFile)]
    [InlineData("wordcount/2026/11/data.jsonl", BatchKind.DataFile)]
    [InlineData("wordcount/spec.json", BatchKind.DataFile)]
    [InlineData("pi.json.job.json", BatchKind.Ignored)]
    [InlineData("wordcount/data.txt.job.json", BatchKind.Ignored)]
    [InlineData("error.json", BatchKind.Ignored)]
    [InlineData("wordcount/error.json", BatchKind.Ignored)]
    [InlineData("bad.json.error.json", BatchKind.Ignored)]
    [InlineData("wordcount/", BatchKind.Ignored)]
    [InlineData("notes.txt", BatchKind.Unsupported)]
    public void KindOf_Name_IsClassified(string name, BatchKind kind) => Assert.Equal(kind, BatchLayout.KindOf(name));

    [Fact]
    public void DataFileSpec_WorkloadFolder_NamesWorkloadAndTheBlobAsInput()
    {
        var spec = JsonDocument.Parse(BatchLayout.DataFileSpec("wordcount/2026/books.csv")).RootElement;

        Assert.Equal(["workload", "input"], spec.EnumerateObject().Select(p => p.Name));
        Assert.Equal("wordcount", spec.GetProperty("workload").GetString());
        var input = spec.GetProperty("input");
        Assert.Equal(["blob"], input.EnumerateObject().Select(p => p.Name));
        Assert.Equal("batches/wordcount/2026/books.csv", input.GetProperty("blob").GetString());
    }

    [Fact]
    public void DataFileSpec_QuotesInName_StillValidJson() =>
        Assert.Equal("batches/checksum/a \"b\".txt", JsonDocument.Parse(BatchLayout.DataFileSpec("checksum/a \"b\".txt")).RootElement.GetProperty("input").GetProperty("blob").GetString());

    [Fact]
    public async Task HandleAsync_RootSpec_StartsItUnderTheDerivedIdAndWritesSidecar()
    {
        var blob = Given("pi.json", PiSpec);

        var outcome = await _batches.HandleAsync(blob);

        var jobId = BatchLayout.JobId("pi.json", ETag);
        Assert.Equal(new BatchOutcome(BatchStatus.Started, jobId), outcome);
        var input = Assert.Single(_scheduled).Value;
        Assert.Equal(("montecarlo-pi", 2), (input.Spec.Workload, input.Spec.Shards));
        var sidecar = Json(_store.Get("batches/pi.json.job.json"));
        Assert.Equal("batches/pi.json", sidecar.GetProperty("blob").GetString());
        Assert.Equal(ETag.Trim('"'), sidecar.GetProperty("etag").GetString());
        Assert.Equal(jobId, sidecar.GetProperty("jobId").GetString());
        Assert.Equal("Started", sidecar.GetProperty("status").GetString());
        Assert.Equal($"/api/jobs/{jobId}", sidecar.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal(Now, sidecar.GetProperty("at").GetDateTimeOffset());
    }

    [Fact]
    public async Task HandleAsync_SameVersionTwice_StartsOneJobAndKeepsTheSidecar()
    {
        var blob = Given("pi.json", PiSpec);

        var first = await _batches.HandleAsync(blob);
        var second = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.Started, first.Status);
        Assert.Equal(new BatchOutcome(BatchStatus.AlreadyStarted, first.JobId), second);
        Assert.Single(_scheduled);
        Assert.Equal(1, _store.WriteCount("batches/pi.json.job.json"));
        Assert.Equal("Started", Json(_store.Get("batches/pi.json.job.json")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task HandleAsync_AnotherHostHoldsTheClaim_WaitsForItsStartAndStartsNothing()
    {
        var blob = Given("pi.json", PiSpec);
        var jobId = BatchLayout.JobId("pi.json", ETag);
        Assert.True(await _index.TryAddAsync(new JobIndexEntry(jobId, "montecarlo-pi", Now)));

        // The other host's start lands a moment later.
        var handled = _batches.HandleAsync(blob);
        await Task.Delay(100);
        _startedElsewhere[jobId] = true;

        Assert.Equal(new BatchOutcome(BatchStatus.AlreadyStarted, jobId), await handled);
        _client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task HandleAsync_ClaimAbandonedOverAMinuteAgo_TakesItOverAndStarts()
    {
        var blob = Given("pi.json", PiSpec);
        var jobId = BatchLayout.JobId("pi.json", ETag);
        Assert.True(await _index.TryAddAsync(new JobIndexEntry(jobId, "montecarlo-pi", Now.AddMinutes(-2))));

        var outcome = await _batches.HandleAsync(blob);

        Assert.Equal(new BatchOutcome(BatchStatus.Started, jobId), outcome);
        Assert.Equal([jobId], _scheduled.Keys);
        Assert.Equal([jobId], _index.Entries.Select(e => e.JobId));
    }

    [Fact]
    public async Task HandleAsync_StartFails_ReleasesTheClaimSoTheNextDeliveryStarts()
    {
        var blob = Given("pi.json", PiSpec);
        _failNextStart = true;

        await Assert.ThrowsAsync<InvalidOperationException>(() => _batches.HandleAsync(blob));
        Assert.Empty(_index.Entries);
        var retried = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.Started, retried.Status);
        Assert.Equal([retried.JobId!], _scheduled.Keys);
    }

    [Fact]
    public async Task HandleAsync_JobExistsButSidecarLost_WritesAlreadyStartedSidecar()
    {
        var blob = Given("pi.json", PiSpec);
        await _batches.HandleAsync(blob);
        _store.Remove("batches/pi.json.job.json");

        var outcome = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.AlreadyStarted, outcome.Status);
        var sidecar = Json(_store.Get("batches/pi.json.job.json"));
        Assert.Equal("AlreadyStarted", sidecar.GetProperty("status").GetString());
        Assert.Equal(outcome.JobId, sidecar.GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task HandleAsync_Overwritten_NewVersionStartsSecondJob()
    {
        var first = await _batches.HandleAsync(Given("pi.json", PiSpec));
        var second = await _batches.HandleAsync(Given("pi.json", PiSpec, etag: "\"0x8DD0000000000B7\""));

        Assert.Equal(BatchStatus.Started, second.Status);
        Assert.NotEqual(first.JobId, second.JobId);
        Assert.Equal(2, _scheduled.Count);
        Assert.Equal(second.JobId, Json(_store.Get("batches/pi.json.job.json")).GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task HandleAsync_SpecWithByteOrderMark_Starts()
    {
        var outcome = await _batches.HandleAsync(Given("pi.json", "\uFEFF" + PiSpec));

        Assert.Equal(BatchStatus.Started, outcome.Status);
    }

    [Theory]
    [InlineData("pi.json.job.json")]
    [InlineData("montecarlo-pi/data.txt.job.json")]
    [InlineData("bad.json.error.json")]
    [InlineData("error.json")]
    public async Task HandleAsync_SidecarOrErrorRecord_IgnoredWithoutTouchingAnything(string name)
    {
        var outcome = await _batches.HandleAsync(new BatchBlob(name, ETag, 10));

        Assert.Equal(BatchStatus.Ignored, outcome.Status);
        Assert.Empty(_store.Operations);
        Assert.Empty(_scheduled);
        _client.Verify(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task HandleAsync_VersionGoneOrChanged_Ignored()
    {
        Given("pi.json", PiSpec, etag: "\"0x8DD00000000000C3\"");

        var outcome = await _batches.HandleAsync(new BatchBlob("pi.json", ETag, PiSpec.Length));

        Assert.Equal(BatchStatus.Ignored, outcome.Status);
        Assert.Empty(_scheduled);
        Assert.True(_store.Contains("batches/pi.json"));
        Assert.DoesNotContain(_store.Operations, o => o.StartsWith("copy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_InvalidSpec_CopiesVerifiesAndRecordsBeforeDeleting()
    {
        var blob = Given("bad.json", """{"workload":"montecarlo-pi","shards":0,"parameters":{"samples":1000}}""");

        var outcome = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.SetAside, outcome.Status);
        Assert.Empty(_scheduled);
        Assert.Equal(
            [
                "read batches/bad.json",
                "copy batches/bad.json -> batches-failed/bad.json",
                "size batches-failed/bad.json",
                "write batches-failed/bad.json.error.json",
                "size batches-failed/bad.json.error.json",
                "delete batches/bad.json",
            ],
            _store.Operations);
        Assert.False(_store.Contains("batches/bad.json"));
        Assert.Equal(blob.Size, _store.Get("batches-failed/bad.json").ToMemory().Length);
        var error = Json(_store.Get("batches-failed/bad.json.error.json"));
        Assert.Equal("batches/bad.json", error.GetProperty("blob").GetString());
        Assert.Equal(ETag.Trim('"'), error.GetProperty("etag").GetString());
        Assert.True(error.GetProperty("errors").TryGetProperty("shards", out _), error.ToString());
        Assert.Contains("shards", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(Now, error.GetProperty("at").GetDateTimeOffset());
        Assert.False(_store.Contains("batches/bad.json.job.json"));
    }

    [Fact]
    public async Task HandleAsync_BadJson_ErrorGivesLineAndByte()
    {
        await _batches.HandleAsync(Given("bad.json", "{\n  \"workload\": \"montecarlo-pi\",\n  \"shards\": \n"));

        var errors = Json(_store.Get("batches-failed/bad.json.error.json")).GetProperty("errors");
        var message = Assert.Single(errors.GetProperty("$").EnumerateArray()).GetString();
        Assert.Contains("line ", message, StringComparison.Ordinal);
        Assert.Contains("byte ", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_NotUtf8_SetAsideNamingTheDocument()
    {
        var blob = _store.Put("batches/latin1.json", [(byte)'{', 0xE9, 0xFF, (byte)'}'], ETag, "latin1.json");

        var outcome = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.SetAside, outcome.Status);
        Assert.True(Json(_store.Get("batches-failed/latin1.json.error.json")).GetProperty("errors").TryGetProperty("$", out _));
    }

    [Fact]
    public async Task HandleAsync_UnknownWorkloadFolder_SetAsideNamingWorkload()
    {
        var blob = Given("nosuch/data.txt", "one line\n");

        var outcome = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.SetAside, outcome.Status);
        Assert.Empty(_scheduled);
        Assert.DoesNotContain("read batches/nosuch/data.txt", _store.Operations);
        Assert.True(Json(_store.Get("batches-failed/nosuch/data.txt.error.json")).GetProperty("errors").TryGetProperty("workload", out _));
        Assert.False(_store.Contains("batches/nosuch/data.txt"));
    }

    [Fact]
    public async Task HandleAsync_DataFileAtRoot_SetAsideNamingBlob()
    {
        var outcome = await _batches.HandleAsync(Given("notes.txt", "hello"));

        Assert.Equal(BatchStatus.SetAside, outcome.Status);
        Assert.True(Json(_store.Get("batches-failed/notes.txt.error.json")).GetProperty("errors").TryGetProperty("blob", out _));
    }

    [Fact]
    public async Task HandleAsync_CopyFails_OriginalKeptAndNoErrorRecord()
    {
        var blob = Given("bad.json", "{}");
        _store.FailCopies = true;

        var outcome = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.SetAsideFailed, outcome.Status);
        Assert.True(_store.Contains("batches/bad.json"));
        Assert.False(_store.Contains("batches-failed/bad.json.error.json"));
        Assert.DoesNotContain(_store.Operations, o => o.StartsWith("delete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_CopyShorterThanOriginal_OriginalKept()
    {
        var blob = Given("bad.json", "{\"shards\": 0}");
        _store.TruncateCopies = true;

        var outcome = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.SetAsideFailed, outcome.Status);
        Assert.True(_store.Contains("batches/bad.json"));
        Assert.False(_store.Contains("batches-failed/bad.json.error.json"));
        Assert.DoesNotContain(_store.Operations, o => o.StartsWith("delete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_OverwrittenDuringSetAside_NewVersionNotDeleted()
    {
        var blob = Given("bad.json", "{}");
        _store.BeforeDelete = () => Given("bad.json", PiSpec, etag: "\"0x8DD0000000000D4\"");

        var outcome = await _batches.HandleAsync(blob);

        Assert.Equal(BatchStatus.SetAside, outcome.Status);
        Assert.Equal(PiSpec, _store.Get("batches/bad.json").ToString());
        Assert.True(_store.Contains("batches-failed/bad.json.error.json"));
    }

    /// <summary>Blobs in memory with ETags; records each operation, in order, and can fail or truncate copies.</summary>
    private sealed class FakeBatchStore : IBatchStore
    {
        private readonly ConcurrentDictionary<string, (BinaryData Content, string ETag)> _blobs = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _writes = new(StringComparer.Ordinal);

        public List<string> Operations { get; } = [];

        public bool FailCopies { get; set; }

        public bool TruncateCopies { get; set; }

        public Action? BeforeDelete { get; set; }

        public BatchBlob Put(string path, byte[] content, string etag, string name)
        {
            _blobs[path] = (BinaryData.FromBytes(content), etag);
            return new BatchBlob(name, etag, content.Length);
        }

        public bool Contains(string path) => _blobs.ContainsKey(path);

        public BinaryData Get(string path) => _blobs.TryGetValue(path, out var blob) ? blob.Content : throw new KeyNotFoundException(path);

        public void Remove(string path) => _blobs.TryRemove(path, out _);

        public int WriteCount(string path) => _writes.GetValueOrDefault(path);

        public async IAsyncEnumerable<BatchBlob> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            foreach (var (path, blob) in _blobs.Where(b => b.Key.StartsWith("batches/", StringComparison.Ordinal)))
            {
                yield return new BatchBlob(path["batches/".Length..], blob.ETag, blob.Content.ToMemory().Length);
            }
        }

        public Task<BinaryData?> ReadAsync(string path, string? etag, CancellationToken cancellationToken = default)
        {
            Operations.Add($"read {path}");
            return Task.FromResult(_blobs.TryGetValue(path, out var blob) && (etag is null || blob.ETag == etag) ? blob.Content : null);
        }

        public Task WriteAsync(string path, BinaryData content, CancellationToken cancellationToken = default)
        {
            Operations.Add($"write {path}");
            _blobs[path] = (content, $"\"w{_writes.AddOrUpdate(path, 1, (_, n) => n + 1)}\"");
            return Task.CompletedTask;
        }

        public Task CopyAsync(string source, string etag, string destination, CancellationToken cancellationToken = default)
        {
            Operations.Add($"copy {source} -> {destination}");
            if (FailCopies || !_blobs.TryGetValue(source, out var blob) || blob.ETag != etag)
            {
                throw new InvalidOperationException("The copy failed.");
            }

            var content = TruncateCopies ? BinaryData.FromBytes(blob.Content.ToMemory()[..^1]) : blob.Content;
            _blobs[destination] = (content, "\"copy\"");
            return Task.CompletedTask;
        }

        public Task<long?> GetSizeAsync(string path, CancellationToken cancellationToken = default)
        {
            Operations.Add($"size {path}");
            return Task.FromResult(_blobs.TryGetValue(path, out var blob) ? (long?)blob.Content.ToMemory().Length : null);
        }

        public Task<bool> DeleteAsync(string path, string etag, CancellationToken cancellationToken = default)
        {
            BeforeDelete?.Invoke();
            Operations.Add($"delete {path}");
            return Task.FromResult(_blobs.TryGetValue(path, out var blob) && blob.ETag == etag && _blobs.TryRemove(path, out _));
        }
    }
}
