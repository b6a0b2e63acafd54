using System.Text.Json;
using Serverless.Items;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Items;

public sealed class ListedItemsTests
{
    [Theory]
    [InlineData(0, 10, new[] { 10, 20, 30, 40, 50 })]
    [InlineData(1, 3, new[] { 20, 30, 40 })]
    [InlineData(3, 5, new[] { 40, 50 })]
    [InlineData(5, 1, new int[0])]
    public async Task FromInline_SkipAndTake_ThoseItemsWithTheirIndexes(long skip, int take, int[] expected)
    {
        // Arrange
        var items = Enumerable.Range(1, 5).Select(n => JsonSerializer.SerializeToElement(n * 10)).ToList();

        // Act
        var reads = await ListedItems.FromInline(items, skip, take).ToListAsync();

        // Assert
        Assert.Equal(expected, reads.Select(r => r.Item!.Value.GetInt32()));
        Assert.Equal(expected.Select(n => new ItemSource(null, Index: (n / 10) - 1)), reads.Select(r => r.Source));
        Assert.All(reads, r => Assert.Null(r.Error));
    }
}
