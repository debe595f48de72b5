using DeviceSync.Grains.Accounts;
using DeviceSync.Grains.Sync;

namespace DeviceSync.Grains.Backup;

/// <summary>Rebuilds a stream's state from a <see cref="BackupImage"/> with the same code the grains load with.</summary>
public static class BackupReplay
{
    /// <param name="afterEach">Called after the snapshot (if any) and after each entry with the position reached, so a
    /// drill can compare every state the backup passes through.</param>
    public static CollectionLedger Collection(BackupImage image, string collection, SyncPolicy policy, Action<long, CollectionLedger>? afterEach = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var ledger = image.SnapshotState is { } state
            ? CollectionCodec.DecodeSnapshot(state.Span, policy)
            : new CollectionLedger(collection, policy);
        afterEach?.Invoke(image.SnapshotSequence, ledger);
        foreach (var entry in image.Entries)
        {
            ledger.Apply(CollectionCodec.DecodeChange(entry.Payload.Span));
            afterEach?.Invoke(entry.Sequence, ledger);
        }

        return ledger;
    }

    public static AccountLedger Account(BackupImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var ledger = image.SnapshotState is { } state ? AccountLedger.DecodeSnapshot(state.Span) : new AccountLedger();
        foreach (var entry in image.Entries)
        {
            ledger.Apply(AccountLedger.DecodeChange(entry.Payload.Span));
        }

        return ledger;
    }
}
