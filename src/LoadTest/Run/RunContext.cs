using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Run;

/// <summary>What every simulated device shares: options, the HTTP client, the metrics and the violation log.</summary>
public sealed record RunContext(RunOptions Options, GatewayClient Client, RunMetrics Metrics, ViolationLog Violations)
{
    public const string Collection = "tasks";
}
