using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Run;

/// <summary>The latest acknowledged write of an item: the version the server answered and what was written.</summary>
public sealed record ExpectedItem(long Version, bool Deleted, TaggedItemData? Data, string Tag);
