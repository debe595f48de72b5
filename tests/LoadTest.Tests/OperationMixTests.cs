using DeviceSync.LoadTest.Commands;
using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Tests;

public sealed class OperationMixTests
{
    [Fact]
    public void Parses_the_documented_example()
    {
        var mix = OperationMix.Parse("put=50,edit=25,delete=5,nochange=15,conflict=5");
        Assert.Equal(100, mix.Total);
        Assert.Equal(0.50, mix.Share(OperationKind.Put));
        Assert.Equal(0.25, mix.Share(OperationKind.Edit));
        Assert.Equal(0.05, mix.Share(OperationKind.Delete));
        Assert.Equal(0.15, mix.Share(OperationKind.NoChange));
        Assert.Equal(0.05, mix.Share(OperationKind.Conflict));
        Assert.Equal("put=50,edit=25,delete=5,nochange=15,conflict=5", mix.ToString());
    }

    [Fact]
    public void Weights_are_relative_and_left_out_kinds_weigh_nothing()
    {
        var mix = OperationMix.Parse(" PUT = 1 , nochange=3 ");
        Assert.Equal(4, mix.Total);
        Assert.Equal(0.25, mix.Share(OperationKind.Put));
        Assert.Equal(0.75, mix.Share(OperationKind.NoChange));
        Assert.Equal(0, mix.Share(OperationKind.Delete));
    }

    [Theory]
    [InlineData("", "not name=weight")]
    [InlineData("put", "not name=weight")]
    [InlineData("=5", "not name=weight")]
    [InlineData("upsert=5", "unknown operation 'upsert'")]
    [InlineData("put=-1", "whole number")]
    [InlineData("put=1.5", "whole number")]
    [InlineData("put=x", "whole number")]
    [InlineData("put=1,put=2", "given twice")]
    [InlineData("put=0,edit=0", "at least one weight")]
    public void Refuses_what_it_cannot_read(string text, string reason)
    {
        var e = Assert.Throws<UsageException>(() => OperationMix.Parse(text));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Picks_in_proportion_to_the_weights()
    {
        var mix = OperationMix.Parse("put=50,edit=25,delete=5,nochange=15,conflict=5");
        var random = new Random(1234);
        var counts = new Dictionary<OperationKind, int>();
        const int n = 100_000;
        for (var i = 0; i < n; i++)
        {
            var kind = mix.Pick(random);
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
        }

        foreach (var kind in new[] { OperationKind.Put, OperationKind.Edit, OperationKind.Delete, OperationKind.NoChange, OperationKind.Conflict })
        {
            Assert.InRange((double)counts[kind] / n, mix.Share(kind) - 0.01, mix.Share(kind) + 0.01);
        }
    }

    [Fact]
    public void A_zero_weight_is_never_picked()
    {
        var mix = OperationMix.Parse("put=1,delete=0");
        var random = new Random(7);
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.Equal(OperationKind.Put, mix.Pick(random)));
    }
}
