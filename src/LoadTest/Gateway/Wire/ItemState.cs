namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>An item as the server reports it in <c>changes</c> or a conflict's <c>current</c>, data included.</summary>
public sealed record ItemState
{
    public string ItemId { get; init; } = "";
    public long Version { get; init; }
    public bool Deleted { get; init; }
    public TaggedItemData? Data { get; init; }

    /// <summary>Set on an item a <c>restore</c> wrote: the version its device handed it back at.</summary>
    public long? HandedBackVersion { get; init; }
}
