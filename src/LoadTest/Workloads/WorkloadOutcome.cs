using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>The measured phases of a workload and the one-line results of the checks it ran.</summary>
public sealed record WorkloadOutcome(IReadOnlyList<PhaseResult> Phases, IReadOnlyList<string> Checks);
