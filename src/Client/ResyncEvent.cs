namespace DeviceSync.Client;

/// <summary>A collection's resync: started when the server answered <see cref="Reason"/>, completed after the full pull.</summary>
public sealed record ResyncEvent(string Collection, string Reason, long SafeVersion, string? OldCursor, bool Completed);
