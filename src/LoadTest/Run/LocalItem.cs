using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Run;

/// <summary>An item in a simulated device's local store: the server version it last saw, tombstone or data.</summary>
public sealed record LocalItem(long Version, bool Deleted, TaggedItemData? Data);
