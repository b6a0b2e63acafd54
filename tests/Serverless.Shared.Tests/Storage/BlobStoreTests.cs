using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Moq;
using Serverless.Storage;

namespace Serverless.Tests.Storage;

public sealed class BlobStoreTests
{
    private readonly Mock<BlobServiceClient> _service = new();
    private readonly Dictionary<string, Mock<BlobContainerClient>> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Mock<BlobClient>> _blobs = new(StringComparer.Ordinal);
    private readonly List<BlobUploadOptions> _uploadOptions = [];
    private TaskCompletionSource<Response<BlobContainerInfo>> _containerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BlobStoreTests()
    {
        _containerCreated.SetResult(Response.FromValue(BlobsModelFactory.BlobContainerInfo(ETag.All, DateTimeOffset.UnixEpoch), Mock.Of<Response>()));
        _service.Setup(s => s.GetBlobContainerClient(It.IsAny<string>())).Returns((string name) => Container(name).Object);
    }

    private Mock<BlobContainerClient> Container(string name)
    {
        lock (_containers)
        {
            return ContainerLocked(name);
        }
    }

    private Mock<BlobContainerClient> ContainerLocked(string name)
    {
        if (!_containers.TryGetValue(name, out var container))
        {
            container = new Mock<BlobContainerClient>();
            container
                .Setup(c => c.CreateIfNotExistsAsync(It.IsAny<PublicAccessType>(), It.IsAny<IDictionary<string, string>>(), It.IsAny<BlobContainerEncryptionScopeOptions>(), It.IsAny<CancellationToken>()))
                .Returns(() => _containerCreated.Task);
            container.Setup(c => c.GetBlobClient(It.IsAny<string>())).Returns((string blobName) => Blob(name + "/" + blobName).Object);
            _containers[name] = container;
        }

        return container;
    }

    private Mock<BlobClient> Blob(string path)
    {
        lock (_blobs)
        {
            if (!_blobs.TryGetValue(path, out var blob))
            {
                blob = new Mock<BlobClient>();
                blob.Setup(b => b.UploadAsync(It.IsAny<BinaryData>(), It.IsAny<BlobUploadOptions>(), It.IsAny<CancellationToken>()))
                    .Callback((BinaryData _, BlobUploadOptions options, CancellationToken _) =>
                    {
                        lock (_uploadOptions)
                        {
                            _uploadOptions.Add(options);
                        }
                    })
                    .ReturnsAsync(Response.FromValue(BlobsModelFactory.BlobContentInfo(ETag.All, DateTimeOffset.UnixEpoch, null, null, 0), Mock.Of<Response>()));
                _blobs[path] = blob;
            }

            return blob;
        }
    }

    private static void VerifyCreatedOnce(Mock<BlobContainerClient> container) =>
        container.Verify(
            c => c.CreateIfNotExistsAsync(It.IsAny<PublicAccessType>(), It.IsAny<IDictionary<string, string>>(), It.IsAny<BlobContainerEncryptionScopeOptions>(), It.IsAny<CancellationToken>()),
            Times.Once);

    [Fact]
    public async Task WriteAsync_JsonBlob_UploadsToTheNamedBlobAndReturnsByteSize()
    {
        // Arrange
        var store = new BlobStore(_service.Object);
        var content = BinaryData.FromString("{\"π\":1}");

        // Act
        var size = await store.WriteAsync("results/job/shards/0.json", content);

        // Assert: "π" is two bytes in UTF-8, so the size is in bytes (8), not characters (7).
        Assert.Equal(8, size);
        _service.Verify(s => s.GetBlobContainerClient("results"), Times.Once);
        _containers["results"].Verify(c => c.GetBlobClient("job/shards/0.json"), Times.Once);
        _blobs["results/job/shards/0.json"].Verify(b => b.UploadAsync(content, It.IsAny<BlobUploadOptions>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal("application/json", Assert.Single(_uploadOptions).HttpHeaders.ContentType);
    }

    [Fact]
    public async Task WriteAsync_NonJsonBlob_UsesOctetStream()
    {
        // Arrange
        var store = new BlobStore(_service.Object);

        // Act
        await store.WriteAsync("data/raw.bin", new BinaryData(new byte[] { 1, 2, 3 }));

        // Assert
        Assert.Equal("application/octet-stream", Assert.Single(_uploadOptions).HttpHeaders.ContentType);
    }

    [Fact]
    public async Task WriteAsync_ManyWritesToOneContainer_CreatesContainerOnce()
    {
        // Arrange
        var store = new BlobStore(_service.Object);

        // Act
        for (var i = 0; i < 5; i++)
        {
            await store.WriteAsync($"results/job/shards/{i}.json", BinaryData.FromString("{}"));
        }

        // Assert
        VerifyCreatedOnce(_containers["results"]);
        Assert.Equal(5, _uploadOptions.Count);
    }

    [Fact]
    public async Task WriteAsync_CallersWaitingOnContainerCreation_CreateContainerOnce()
    {
        // Arrange: the container's creation does not finish until every caller is waiting on it.
        _containerCreated = new TaskCompletionSource<Response<BlobContainerInfo>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new BlobStore(_service.Object);

        // Act: each call runs up to its first await, i.e. until it waits on the container.
        var writes = Enumerable.Range(0, 16)
            .Select(i => store.WriteAsync($"results/job/shards/{i}.json", BinaryData.FromString("{\"i\":" + i + "}")))
            .ToList();
        Assert.All(writes, w => Assert.False(w.IsCompleted));
        Assert.Empty(_uploadOptions);
        _containerCreated.SetResult(Response.FromValue(BlobsModelFactory.BlobContainerInfo(ETag.All, DateTimeOffset.UnixEpoch), Mock.Of<Response>()));
        var sizes = await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        _service.Verify(s => s.GetBlobContainerClient("results"), Times.Once);
        VerifyCreatedOnce(_containers["results"]);
        Assert.Equal(16, _uploadOptions.Count);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (long)$"{{\"i\":{i}}}".Length), sizes);
    }

    [Fact]
    public async Task WriteAsync_ConcurrentCallersOnManyThreads_CreateContainerOnce()
    {
        // Arrange
        _containerCreated = new TaskCompletionSource<Response<BlobContainerInfo>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new BlobStore(_service.Object);

        // Act
        var writes = Enumerable.Range(0, 64)
            .Select(i => Task.Run(() => store.WriteAsync($"results/job/shards/{i}.json", BinaryData.FromString("{}"))))
            .ToList();
        await Task.Delay(50);
        _containerCreated.SetResult(Response.FromValue(BlobsModelFactory.BlobContainerInfo(ETag.All, DateTimeOffset.UnixEpoch), Mock.Of<Response>()));
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        _service.Verify(s => s.GetBlobContainerClient("results"), Times.Once);
        VerifyCreatedOnce(_containers["results"]);
        Assert.Equal(64, _uploadOptions.Count);
    }

    [Fact]
    public async Task WriteAsync_TwoContainers_CreatesEachOnce()
    {
        // Arrange
        var store = new BlobStore(_service.Object);

        // Act
        await store.WriteAsync("results/a.json", BinaryData.FromString("{}"));
        await store.WriteAsync("other/b.json", BinaryData.FromString("{}"));
        await store.WriteAsync("results/c.json", BinaryData.FromString("{}"));

        // Assert
        VerifyCreatedOnce(_containers["results"]);
        VerifyCreatedOnce(_containers["other"]);
    }

    [Fact]
    public async Task WriteAsync_ContainerCreationFailedOnce_RetriesCreationOnNextWrite()
    {
        // Arrange: the first attempt to create the container hits a transient error, the second succeeds.
        var transient = new RequestFailedException(503, "server busy", "ServerBusy", null);
        Container("results")
            .SetupSequence(c => c.CreateIfNotExistsAsync(It.IsAny<PublicAccessType>(), It.IsAny<IDictionary<string, string>>(), It.IsAny<BlobContainerEncryptionScopeOptions>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(transient)
            .Returns(_containerCreated.Task);
        var store = new BlobStore(_service.Object);
        var first = await Assert.ThrowsAsync<RequestFailedException>(() => store.WriteAsync("results/job/a.json", BinaryData.FromString("{}")));

        // Act: a later write must not be failed forever by the cached failure.
        var size = await store.WriteAsync("results/job/b.json", BinaryData.FromString("{}"));

        // Assert
        Assert.Same(transient, first);
        Assert.Equal(2, size);
        _containers["results"].Verify(
            c => c.CreateIfNotExistsAsync(It.IsAny<PublicAccessType>(), It.IsAny<IDictionary<string, string>>(), It.IsAny<BlobContainerEncryptionScopeOptions>(), It.IsAny<CancellationToken>()),
            Times.Exactly(2));
    }

    [Fact]
    public async Task ReadAsync_ExistingBlob_ReturnsContent()
    {
        // Arrange
        var store = new BlobStore(_service.Object);
        Blob("results/job/result.json")
            .Setup(b => b.DownloadContentAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(BlobsModelFactory.BlobDownloadResult(BinaryData.FromString("{\"ok\":true}")), Mock.Of<Response>()));

        // Act
        var content = await store.ReadAsync("results/job/result.json");

        // Assert
        Assert.Equal("{\"ok\":true}", content?.ToString());
    }

    [Fact]
    public async Task ReadAsync_BlobNotFound_ReturnsNull()
    {
        // Arrange
        var store = new BlobStore(_service.Object);
        Blob("results/job/result.json")
            .Setup(b => b.DownloadContentAsync(It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(404, "not found", "BlobNotFound", null));

        // Act
        var content = await store.ReadAsync("results/job/result.json");

        // Assert
        Assert.Null(content);
        _blobs["results/job/result.json"].Verify(b => b.DownloadContentAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(500, "InternalError")]
    [InlineData(403, "AuthorizationFailure")]
    [InlineData(404, "ContainerNotFound")]
    public async Task ReadAsync_OtherFailure_Rethrows(int status, string errorCode)
    {
        // Arrange
        var store = new BlobStore(_service.Object);
        var failure = new RequestFailedException(status, "boom", errorCode, null);
        Blob("results/job/result.json").Setup(b => b.DownloadContentAsync(It.IsAny<CancellationToken>())).ThrowsAsync(failure);

        // Act
        var thrown = await Assert.ThrowsAsync<RequestFailedException>(() => store.ReadAsync("results/job/result.json"));

        // Assert
        Assert.Same(failure, thrown);
    }

    [Theory]
    [InlineData("no-container")]
    [InlineData("/leading-slash.json")]
    [InlineData("results/")]
    [InlineData("")]
    public async Task WriteAsync_PathWithoutContainerAndName_ThrowsArgumentException(string path)
    {
        // Arrange
        var store = new BlobStore(_service.Object);

        // Act
        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync(path, BinaryData.FromString("{}")));

        // Assert
        Assert.Equal("path", thrown.ParamName);
        _service.Verify(s => s.GetBlobContainerClient(It.IsAny<string>()), Times.Never);
    }

    [Fact]
    public async Task ReadAsync_PathWithoutContainer_ThrowsArgumentException()
    {
        // Arrange
        var store = new BlobStore(_service.Object);

        // Act / Assert
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync("result.json"));
        _service.Verify(s => s.GetBlobContainerClient(It.IsAny<string>()), Times.Never);
    }
}
