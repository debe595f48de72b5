namespace DeviceSync.LoadTest.Workloads;

/// <summary>The workload could not be set up (e.g. provisioning failed); the run stops with this message.</summary>
public sealed class BenchAbortedException(string message) : Exception(message);
