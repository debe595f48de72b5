using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>Which silo holds a test's collections, read from the silos' logs ("Loaded &lt;account&gt;/&lt;collection&gt;" on activation).</summary>
public static class SiloLoads
{
    /// <summary>How many activations of collections of accounts named <paramref name="accountPrefix"/>… each silo has logged.</summary>
    public static int[] Count(LocalCluster cluster, string accountPrefix) =>
        cluster.Silos.Select(s => s.Tail(100_000).Split('\n').Count(l => l.Contains("Loaded " + accountPrefix + "-", StringComparison.Ordinal))).ToArray();

    /// <summary>The index of the silo that activated the most of them (the first on a tie): the one whose loss hurts most.</summary>
    public static int Busiest(int[] counts) => Array.IndexOf(counts, counts.Max());
}
