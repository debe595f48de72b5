namespace DeviceSync.Contracts.Sync;

/// <summary>What a device asks the server to do with one item (PROTOCOL.md, "Sync").</summary>
[GenerateSerializer, Alias("DeviceSync.MutationOp")]
public enum MutationOp
{
    None = 0,
    Put = 1,
    Delete = 2,
    Restore = 3,
}
