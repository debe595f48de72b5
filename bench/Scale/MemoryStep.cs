namespace DeviceSync.Bench.Scale;

/// <summary>One measured step of <c>memory</c>: what it added (<see cref="Units"/> of <see cref="Unit"/>) and what every silo held afterwards.</summary>
public sealed record MemoryStep(
    string Name, long Units, string Unit, IReadOnlyList<HeapSample> Silos, IReadOnlyDictionary<string, int> Activations, long StorageBytes, DateTimeOffset At)
{
    public long HeapBytes => Silos.Sum(s => s.HeapBytes);

    public long WalkedBytes => Silos.Sum(s => s.WalkedBytes);

    public long RssBytes => Silos.Sum(s => s.RssBytes);
}
