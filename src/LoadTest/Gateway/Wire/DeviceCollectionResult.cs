namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>One collection of a sync response, with item data bound (<c>run</c>'s devices and checker read it).</summary>
public sealed record DeviceCollectionResult
{
    public string Name { get; init; } = "";
    public IReadOnlyList<DeviceMutationResult> Results { get; init; } = [];
    public IReadOnlyList<ItemState> Changes { get; init; } = [];
    public string? Cursor { get; init; }
    public bool HasMore { get; init; }
    public ResyncInfo? Resync { get; init; }

    /// <summary>Set when the mass-delete guard held the collection's mutations back (none was applied).</summary>
    public MassDeleteRefusal? Refused { get; init; }
}
