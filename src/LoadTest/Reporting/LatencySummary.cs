namespace DeviceSync.LoadTest.Reporting;

/// <summary>Latency of the successful requests of a phase, in milliseconds (nearest-rank percentiles).</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double Max, double Mean)
{
    public static LatencySummary From(List<double> sorted)
    {
        if (sorted.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        return new LatencySummary(
            Percentiles.NearestRank(sorted, 0.50), Percentiles.NearestRank(sorted, 0.90), Percentiles.NearestRank(sorted, 0.99),
            sorted[^1], sorted.Average());
    }
}
