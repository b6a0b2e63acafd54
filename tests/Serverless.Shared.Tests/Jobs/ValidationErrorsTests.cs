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
        errors.Add("shards", "must be an integer.");
        errors.Add("shards", "must be positive.");
        errors.Add("workload", "is required.");

        // Assert
        Assert.False(errors.IsEmpty);
        var dictionary = errors.ToDictionary();
        Assert.Equal(["must be an integer.", "must be positive."], dictionary["shards"]);
        Assert.Equal(["is required."], dictionary["workload"]);
        Assert.Equal("shards: must be an integer. must be positive. workload: is required.", errors.ToString());
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
