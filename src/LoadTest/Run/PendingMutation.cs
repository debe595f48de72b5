using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// A mutation the device created and has not yet seen a result for; it is resent (same id) until it does.
/// <see cref="LostDeleteOf"/>: a delete the server lost, sent again after a resync's pull; the version it refers to
/// (docs/protocol.md section 7, step 4), so that an older copy handed back meanwhile does not win over it.
/// </summary>
public sealed record PendingMutation(Mutation Mutation, string Tag, long? LostDeleteOf = null)
{
    public bool IsDelete => Mutation.Op == "delete";

    public bool IsRestore => Mutation.Op == "restore";

    public TaggedItemData? Data => Mutation.Data as TaggedItemData;
}
