using Serverless.Storage;

namespace Serverless.Tests.Storage;

public sealed class JobBlobLayoutTests
{
    [Fact]
    public void Shard_JobAndIndex_IsResultsJobShardsIndexJson()
    {
        // Act / Assert
        Assert.Equal("results/job-1/shards/0.json", JobBlobLayout.Shard("job-1", 0));
        Assert.Equal("results/job-1/shards/12345.json", JobBlobLayout.Shard("job-1", 12345));
    }

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
        Assert.StartsWith(shards, JobBlobLayout.Shard("abc", 3), StringComparison.Ordinal);
        Assert.StartsWith(folder, JobBlobLayout.Range("abc", 0, 500), StringComparison.Ordinal);
        Assert.Equal("results/abc/ranges/0-500.json", JobBlobLayout.Range("abc", 0, 500));
    }

    [Fact]
    public void Paths_DifferentJobs_DoNotCollide()
    {
        // Act / Assert
        Assert.NotEqual(JobBlobLayout.Result("a"), JobBlobLayout.Result("b"));
        Assert.NotEqual(JobBlobLayout.Shard("a", 1), JobBlobLayout.Shard("a", 11));
    }
}
