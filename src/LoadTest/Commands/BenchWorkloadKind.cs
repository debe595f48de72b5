namespace DeviceSync.LoadTest.Commands;

/// <summary>The workloads <c>bench</c> can run.</summary>
public enum BenchWorkloadKind
{
    None = 0,
    Writes = 1,
    Bulk = 2,
    Changes = 3,
    NoChange = 4,
}
