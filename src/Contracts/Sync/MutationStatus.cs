namespace DeviceSync.Contracts.Sync;

[GenerateSerializer, Alias("DeviceSync.MutationStatus")]
public enum MutationStatus
{
    None = 0,
    Applied = 1,
    Conflict = 2,
    Duplicate = 3,
}
