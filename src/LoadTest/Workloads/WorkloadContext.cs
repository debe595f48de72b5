using DeviceSync.LoadTest.Commands;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>What every workload gets: the options, the shared HTTP client and the violation log.</summary>
public sealed record WorkloadContext(BenchOptions Options, GatewayClient Client, ViolationLog Violations);
