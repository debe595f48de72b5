namespace DeviceSync.LoadTest.Reporting;

/// <summary>One progress line of a long run: elapsed seconds, totals so far, and the rate since the previous line.</summary>
public sealed record ProgressSample(double Seconds, long Accounts, long Devices, double DevicesPerSecond);
