namespace DeviceSync.Client;

/// <summary>
/// A local change not yet acknowledged by the server, with the id it was given. <see cref="Sent"/>: it has been in a
/// request whose answer was lost, so the server may have processed it (it must not be renumbered or merged).
/// <see cref="HeldBack"/>: a delete held back during a resync until the full pull shows the server's copy (its
/// <see cref="Version"/> is then the resync's safe version). <see cref="LostDeleteOf"/>: a delete the server lost, sent
/// again after that pull; the version it refers to, so that an older copy another device hands back meanwhile does not
/// win over it (docs/protocol.md section 7, step 4).
/// </summary>
public sealed record PendingMutation(
    long Id,
    MutationOp Op,
    string ItemId,
    long? BaseVersion,
    string? Data,
    long Version = 0,
    bool Sent = false,
    bool HeldBack = false,
    long? LostDeleteOf = null)
{
    public SyncMutation ToWire() => new(Id, Op, ItemId, BaseVersion, Version, Data);
}
