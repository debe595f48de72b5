namespace DeviceSync.LoadTest.Reporting;

/// <summary>Nearest-rank percentiles: the smallest sample such that at least p of all samples are at or below it.</summary>
public static class Percentiles
{
    /// <summary><paramref name="sorted"/> must be in ascending order; <paramref name="p"/> is a fraction (0.99, not 99). Empty: 0.</summary>
    public static double NearestRank(IReadOnlyList<double> sorted, double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 1);
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
