namespace DeviceSync.Contracts.Sync;

[GenerateSerializer, Alias("DeviceSync.ResyncReason")]
public enum ResyncReason
{
    None = 0,
    ServerBehind = 1,
    EpochChanged = 2,
    CursorExpired = 3,
}
