using Serverless.Local.Commands;

namespace Serverless.Local.Tests.Commands;

public sealed class PurgeCommandTests
{
    [Theory]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("12h", 12 * 60)]
    [InlineData("30m", 30)]
    [InlineData("1D", 24 * 60)]
    public void ParseAge_NumberAndUnit_ReturnsThatAge(string text, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), PurgeCommand.ParseAge(text));

    [Theory]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("7")]
    [InlineData("7w")]
    [InlineData("-7d")]
    [InlineData("1.5d")]
    public void ParseAge_NotAnAge_ReturnsNull(string text) =>
        Assert.Null(PurgeCommand.ParseAge(text));
}
