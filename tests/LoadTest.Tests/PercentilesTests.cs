using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Tests;

public sealed class PercentilesTests
{
    [Fact]
    public void Empty_is_zero() => Assert.Equal(0, Percentiles.NearestRank([], 0.99));

    [Fact]
    public void One_sample_is_every_percentile()
    {
        Assert.Equal(7, Percentiles.NearestRank([7], 0));
        Assert.Equal(7, Percentiles.NearestRank([7], 0.5));
        Assert.Equal(7, Percentiles.NearestRank([7], 1));
    }

    [Theory]
    [InlineData(0.00, 1)]
    [InlineData(0.01, 1)]
    [InlineData(0.50, 50)]
    [InlineData(0.505, 51)]
    [InlineData(0.90, 90)]
    [InlineData(0.99, 99)]
    [InlineData(0.991, 100)]
    [InlineData(1.00, 100)]
    public void Nearest_rank_of_1_to_100(double p, double expected)
    {
        var sorted = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.Equal(expected, Percentiles.NearestRank(sorted, p));
    }

    [Fact]
    public void Ten_samples_p99_is_the_maximum_and_p50_the_fifth()
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000];
        Assert.Equal(1000, Percentiles.NearestRank(sorted, 0.99));
        Assert.Equal(5, Percentiles.NearestRank(sorted, 0.50));
        Assert.Equal(9, Percentiles.NearestRank(sorted, 0.90));
    }

    [Fact]
    public void Summary_uses_the_same_ranks()
    {
        var summary = LatencySummary.From([.. Enumerable.Range(1, 200).Select(i => (double)i)]);
        Assert.Equal(100, summary.P50);
        Assert.Equal(180, summary.P90);
        Assert.Equal(198, summary.P99);
        Assert.Equal(200, summary.Max);
        Assert.Equal(100.5, summary.Mean);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    public void Out_of_range_fraction_is_refused(double p) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.NearestRank([1, 2], p));
}
