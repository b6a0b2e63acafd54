using Serverless.Stages;

namespace Serverless.Tests.Stages;

public sealed class StageCallbackOptionsTests
{
    [Theory]
    [InlineData("https://func-abc.azurewebsites.net", "https://func-abc.azurewebsites.net/api/jobs/job%201/gpu-stage/callback")]
    [InlineData("https://func-abc.azurewebsites.net/", "https://func-abc.azurewebsites.net/api/jobs/job%201/gpu-stage/callback")]
    [InlineData("https://gateway.example/engine", "https://gateway.example/engine/api/jobs/job%201/gpu-stage/callback")]
    [InlineData("http://127.0.0.1:7071/", "http://127.0.0.1:7071/api/jobs/job%201/gpu-stage/callback")]
    public void UrlFor_BaseUrl_AppendsTheRouteUnderItsPath(string baseUrl, string expected)
    {
        // Act
        var url = new StageCallbackOptions(new Uri(baseUrl)).UrlFor("job 1");

        // Assert
        Assert.Equal(expected, url?.AbsoluteUri);
    }

    [Fact]
    public void UrlFor_NoBaseUrl_IsNull()
    {
        // Act
        var url = new StageCallbackOptions(null).UrlFor("job");

        // Assert
        Assert.Null(url);
    }
}
