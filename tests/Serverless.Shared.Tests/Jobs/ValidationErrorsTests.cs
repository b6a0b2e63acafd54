using Serverless.Jobs;

namespace Serverless.Tests.Jobs;

public sealed class ValidationErrorsTests
{
    [Fact]
    public void Add_SameFieldTwice_KeepsBothMessagesUnderOneKey()
    {
        // Arrange
        var errors = new ValidationErrors();

        // Act
        errors.Add("shards", "first");
        errors.Add("shards", "second");
        errors.Add("workload", "third");

        // Assert
        Assert.False(errors.IsEmpty);
        var dictionary = errors.ToDictionary();
        Assert.Equal(["first", "second"], dictionary["shards"]);
        Assert.Equal(["third"], dictionary["workload"]);
        Assert.Equal("shards: first, second; workload: third", errors.ToString());
    }

    [Fact]
    public void IsEmpty_NothingAdded_IsTrue()
    {
        // Act
        var errors = new ValidationErrors();

        // Assert
        Assert.True(errors.IsEmpty);
        Assert.Empty(errors.ToDictionary());
    }
}
