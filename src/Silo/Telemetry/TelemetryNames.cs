namespace DeviceSync.Silo.Telemetry;

/// <summary>Activity source and meter names the silo subscribes to, besides the grains' own.</summary>
public static class TelemetryNames
{
    public const string OrleansRuntimeSource = "Microsoft.Orleans.Runtime";
    public const string OrleansApplicationSource = "Microsoft.Orleans.Application";
    public const string OrleansMeter = "Microsoft.Orleans";
    public const string StorageSource = "DeviceSync.Storage";
    public const string StorageMeter = "DeviceSync.Storage";
}
