using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Run;

/// <summary>A mutation the device created and has not yet seen a result for; it is resent (same id) until it does.</summary>
public sealed record PendingMutation(Mutation Mutation, string Tag)
{
    public bool IsDelete => Mutation.Op == "delete";

    public bool IsRestore => Mutation.Op == "restore";

    public TaggedItemData? Data => Mutation.Data as TaggedItemData;
}
