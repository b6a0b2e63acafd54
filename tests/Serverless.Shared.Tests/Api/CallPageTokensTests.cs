using Serverless.Api;
using Serverless.Jobs;

namespace Serverless.Tests.Api;

public sealed class CallPageTokensTests
{
    [Theory]
    [InlineData("2!84!MDAwMDI0IXJlc3VsdHMvYWJj")]
    [InlineData("results/abc/shards/17-00ff.json")]
    public void Written_ReadsBackAsTheMarker(string marker)
    {
        var errors = new ValidationErrors();

        Assert.Equal(marker, CallPageTokens.Read(CallPageTokens.Write(marker), errors));
        Assert.True(errors.IsEmpty);
    }

    [Theory]
    [InlineData("forged")]
    [InlineData("not base64 at all!")]
    [InlineData("Y2FsbHM6")]
    public void NotOneWeWrote_IsAnErrorNamingTheField(string token)
    {
        var errors = new ValidationErrors();

        Assert.Null(CallPageTokens.Read(token, errors));
        Assert.True(errors.ToDictionary().ContainsKey("continuationToken"));
    }

    [Fact]
    public void NoMarker_NoToken()
    {
        Assert.Null(CallPageTokens.Write(null));
        Assert.Null(CallPageTokens.Read(null, new ValidationErrors()));
    }
}

public sealed class JobFileNamesTests
{
    [Theory]
    [InlineData("preview.png")]
    [InlineData("items/failed-0.redrive-1.jsonl")]
    [InlineData("tiles/3.png")]
    public void PlainRelativeNames_AreSafe(string name) => Assert.True(JobFileNames.IsSafe(name));

    [Theory]
    [InlineData("")]
    [InlineData("../other/manifest.json")]
    [InlineData("items/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("items//x")]
    [InlineData("a\\b")]
    [InlineData("./spec.json")]
    [InlineData("name with space.txt")]
    public void NamesThatCouldLeaveTheFolder_AreNot(string name) => Assert.False(JobFileNames.IsSafe(name));
}
