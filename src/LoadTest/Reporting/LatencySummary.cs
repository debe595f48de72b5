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

        return new LatencySummary(Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1], sorted.Average());
    }

    private static double Rank(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
