using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Run;

/// <summary>One account of a run: its ledger, its simulated devices, and the device the checker reads with.</summary>
public sealed record AccountUnderTest(AccountLedger Ledger, IReadOnlyList<SimulatedDevice> Devices, Device CheckerDevice);
