namespace DeviceSync.Bench.Scale;

/// <summary>
/// One process right after a forced full GC, in bytes: the live heap from the runtime's counters (heap size minus
/// fragmentation), the same heap as the gcdump walk counted it (a cross-check), and the resident set.
/// </summary>
public sealed record HeapSample(string Name, int Pid, long HeapBytes, long WalkedBytes, long RssBytes);
