namespace DeviceSync.LoadTest.Workloads;

/// <summary>A provisioned device the harness acts as.</summary>
public sealed record Device(string AccountId, string DeviceId, string Token);
