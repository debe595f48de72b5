namespace DeviceSync.Client;

/// <summary>A <c>changed</c> frame from <c>/v1/events</c>: the collection's newest committed version.</summary>
public sealed record ChangedEvent(string Collection, long Version);
