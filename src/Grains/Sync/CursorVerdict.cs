using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>How a cursor is to be served: as a delta (Resync null) or by a resync, possibly starting a new epoch.</summary>
internal readonly record struct CursorVerdict(ResyncInstruction? Resync, EpochStart? NewEpoch)
{
    public static CursorVerdict Serve => default;
}
