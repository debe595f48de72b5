namespace DeviceSync.Silo.Telemetry;

/// <summary>Activity source and meter names the silo subscribes to, besides the grains' and storage's own (GrainTelemetry, StorageTelemetry).</summary>
public static class TelemetryNames
{
    public const string OrleansRuntimeSource = "Microsoft.Orleans.Runtime";
    public const string OrleansApplicationSource = "Microsoft.Orleans.Application";
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>.NET's built-in runtime meter (GC heap after the last collection, allocations, thread pool, CPU).</summary>
    public const string DotNetRuntimeMeter = "System.Runtime";
}
