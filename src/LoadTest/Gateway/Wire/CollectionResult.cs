namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>One collection of a sync response.</summary>
public sealed record CollectionResult
{
    public string Name { get; init; } = "";
    public IReadOnlyList<MutationResult> Results { get; init; } = [];
    public IReadOnlyList<ChangeRow> Changes { get; init; } = [];
    public string? Cursor { get; init; }
    public bool HasMore { get; init; }
    public ResyncInfo? Resync { get; init; }
}
