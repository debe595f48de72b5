namespace DeviceSync.Client;

/// <summary>A collection's cursor could not be served as a delta (protocol section 7).</summary>
public sealed record ResyncInfo(string Reason, long SafeVersion)
{
    public const string ServerBehind = "server-behind";
    public const string EpochChanged = "epoch-changed";
    public const string CursorExpired = "cursor-expired";
}
