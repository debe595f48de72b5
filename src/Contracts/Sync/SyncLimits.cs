namespace DeviceSync.Contracts.Sync;

/// <summary>The limits of PROTOCOL.md ("Names and limits"), shared by the gateway (which enforces them) and the grains (which re-check them).</summary>
public static class SyncLimits
{
    public const long MaxSafeInteger = (1L << 53) - 1;
    public const int MaxItemDataBytes = 256 * 1024;
    public const int MaxSyncBodyBytes = 4 * 1024 * 1024;
    public const int MaxCollectionsPerSync = 16;
    public const int MaxMutationsPerCollection = 500;
    public const int DefaultChangesLimit = 500;
    public const int MaxChangesLimit = 1000;
    public const int MaxConflictsPerPage = 500;
    public const int MaxProvisionAccounts = 1000;
    public const int MaxProvisionDevicesPerAccount = 100;
}
