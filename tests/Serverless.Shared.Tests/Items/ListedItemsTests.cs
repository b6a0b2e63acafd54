using System.Text.Json;
using Serverless.Items;
using Serverless.Tests.TestSupport;

namespace Serverless.Tests.Items;

public sealed class ListedItemsTests
{
    [Theory]
    [InlineData(0, 10, new[] { "a", "b", "c", "d" })]
    [InlineData(1, 2, new[] { "b", "c" })]
    [InlineData(3, 5, new[] { "d" })]
    [InlineData(4, 5, new string[0])]
    [InlineData(0, 0, new string[0])]
    public async Task FromPrefix_SkipAndTake_ThoseBlobsInNameOrderWithTheirIndexes(long skip, int take, string[] expectedNames)
    {
        // Arrange: written out of order, with a blob outside the prefix.
        var store = new InMemoryBlobStore();
        var sizes = new Dictionary<string, int> { ["c"] = 1, ["a"] = 3, ["d"] = 2, ["b"] = 5 };
        foreach (var (name, size) in sizes)
        {
            await store.WriteAsync($"data/in/{name}.txt", BinaryData.FromBytes(new byte[size]));
        }

        await store.WriteAsync("data/other.txt", BinaryData.FromString("x"));
        string[] allNames = ["a", "b", "c", "d"];

        // Act
        var reads = await ListedItems.FromPrefix(store, "data/in/", skip, take).ToListAsync();

        // Assert
        Assert.Equal(expectedNames.Length, reads.Count);
        for (var i = 0; i < reads.Count; i++)
        {
            var path = $"data/in/{expectedNames[i]}.txt";
            var value = reads[i].Item!.Value;
            Assert.Null(reads[i].Error);
            Assert.Equal(new ItemSource(path, Index: Array.IndexOf(allNames, expectedNames[i])), reads[i].Source);
            Assert.Equal(reads[i].Source, reads[i].Item!.Source);
            Assert.Equal(path, value.GetProperty("blob").GetString());
            Assert.Equal(sizes[expectedNames[i]], value.GetProperty("size").GetInt64());
            Assert.Equal(2, value.EnumerateObject().Count());
        }
    }

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
