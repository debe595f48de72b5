namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>
/// One row of <c>changes</c>. The item's <c>data</c> is deliberately not bound: the harness checks
/// identities and versions, and skipping the data keeps the client's CPU for the server.
/// </summary>
public sealed record ChangeRow
{
    public string ItemId { get; init; } = "";
    public long Version { get; init; }
    public bool Deleted { get; init; }
}
