using Serverless.Orchestration;
using Serverless.Storage;

namespace Serverless.Tests.Storage;

public sealed class JobBlobLayoutTests
{
    [Fact]
    public void Call_Attempts_IsUnderShardsNamedByFirstIndexAndTheAttempts()
    {
        // Act
        var call = JobBlobLayout.Call("job-1", [new ShardAttempt(12, 1), new ShardAttempt(13, 1)], 0);

        // Assert: the same attempts give the same name (a replay overwrites); others give another.
        Assert.Matches(@"^results/job-1/shards/12-[0-9a-f]{16}\.json$", call);
        Assert.Equal(call, JobBlobLayout.Call("job-1", [new ShardAttempt(12, 1), new ShardAttempt(13, 1)], 0));
        Assert.NotEqual(call, JobBlobLayout.Call("job-1", [new ShardAttempt(12, 1), new ShardAttempt(13, 2)], 0));
        Assert.NotEqual(call, JobBlobLayout.Call("job-1", [new ShardAttempt(12, 1)], 0));
        Assert.EndsWith(".redrive-2.json", JobBlobLayout.Call("job-1", [new ShardAttempt(12, 1), new ShardAttempt(13, 1)], 2), StringComparison.Ordinal);
    }

    [Fact]
    public void Spec_Job_IsResultsJobSpecJson() =>
        Assert.Equal("results/abc/spec.json", JobBlobLayout.Spec("abc"));

    [Fact]
    public void Result_Job_IsResultsJobResultJson()
    {
        // Act / Assert
        Assert.Equal("results/abc/result.json", JobBlobLayout.Result("abc"));
    }

    [Fact]
    public void Manifest_Job_IsResultsJobManifestJson()
    {
        // Act / Assert
        Assert.Equal("results/abc/manifest.json", JobBlobLayout.Manifest("abc"));
    }

    [Fact]
    public void Folders_Job_EndWithSlashAndContainEveryBlob()
    {
        // Act
        var folder = JobBlobLayout.Folder("abc");
        var shards = JobBlobLayout.ShardsFolder("abc");

        // Assert
        Assert.Equal("results/abc/", folder);
        Assert.Equal("results/abc/shards/", shards);
        Assert.StartsWith(shards, JobBlobLayout.Call("abc", [new ShardAttempt(3, 1)], 0), StringComparison.Ordinal);
        Assert.StartsWith(folder, JobBlobLayout.Range("abc", 0, 500), StringComparison.Ordinal);
        Assert.Equal("results/abc/ranges/0-500.json", JobBlobLayout.Range("abc", 0, 500));
    }

    [Fact]
    public void Paths_DifferentJobs_DoNotCollide()
    {
        // Act / Assert
        Assert.NotEqual(JobBlobLayout.Result("a"), JobBlobLayout.Result("b"));
        Assert.NotEqual(JobBlobLayout.Call("a", [new ShardAttempt(1, 1)], 0), JobBlobLayout.Call("a", [new ShardAttempt(11, 1)], 0));
    }
}
