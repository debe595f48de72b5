using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>Judges a device's cursor before any mutation applies (PROTOCOL.md rule 3 and "Resync").</summary>
internal static class ResyncPolicy
{
    /// <param name="cursor">The device's cursor; null reads from the beginning.</param>
    /// <param name="head">The highest version ever assigned.</param>
    /// <param name="currentEpoch">The epoch new versions are assigned in.</param>
    /// <param name="oldestServable">The newest purged tombstone's version: a cursor below it may have missed a delete.</param>
    /// <param name="cuts">For each earlier epoch, the head version when it was cut.</param>
    /// <param name="replacedHeads">For an earlier epoch cut below its live head (a restore from a lagging backup, or a
    /// storage history loss), that head. Null for a device that has pulled from null since the last such cut: its
    /// cursors were handed out after it.</param>
    public static CursorVerdict Judge(
        long? cursor, long head, long currentEpoch, long oldestServable, IReadOnlyDictionary<long, long> cuts,
        IReadOnlyDictionary<long, long>? replacedHeads = null)
    {
        if (cursor is not { } c)
        {
            return CursorVerdict.Serve;
        }

        var cursorEpoch = Versions.EpochOf(c);
        if (cursorEpoch > currentEpoch)
        {
            // The device saw an epoch this server never reached, so everything it holds of that epoch is lost here.
            // Jumping past the cursor's epoch guarantees no version the device has seen is ever assigned again.
            return new CursorVerdict(
                new ResyncInstruction { Reason = ResyncReason.ServerBehind, SafeVersion = 0 },
                NewEpoch(cursorEpoch + 1, currentEpoch, head));
        }

        if (cursorEpoch == currentEpoch)
        {
            if (c > head)
            {
                return new CursorVerdict(
                    new ResyncInstruction { Reason = ResyncReason.ServerBehind, SafeVersion = HeldOf(cursorEpoch, head) },
                    NewEpoch(currentEpoch + 1, currentEpoch, head));
            }
        }
        else if (!cuts.TryGetValue(cursorEpoch, out var cut) || c > cut
            || (replacedHeads is not null && replacedHeads.Any(r => r.Key >= cursorEpoch)))
        {
            // Beyond the cut, or in an epoch with no recorded cut (skipped by a jump, see above: nothing of it is held).
            // Or at or below the cut, when that cut or a later one dropped versions that were handed out: the device may
            // hold its own acknowledged write among them (a put is answered before the cursor passes it); once per
            // device, since the ledger stops passing the replaced heads for it once it has pulled from null. Either way
            // it hands back what it holds above what is still held of its epoch.
            var held = cuts.TryGetValue(cursorEpoch, out var known) ? HeldOf(cursorEpoch, known) : 0;
            return new CursorVerdict(
                new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = held },
                null);
        }

        if (c < oldestServable)
        {
            return new CursorVerdict(
                new ResyncInstruction { Reason = ResyncReason.CursorExpired, SafeVersion = oldestServable },
                null);
        }

        return CursorVerdict.Serve;
    }

    /// <summary>
    /// The last epoch whose versions stay below 2^53 (PROTOCOL.md, "Versions"). A cursor can name it, since only a
    /// cursor's form is checked; past it no epoch can start without leaving the version space.
    /// </summary>
    public static readonly long MaxEpoch = Versions.EpochOf(SyncLimits.MaxSafeInteger);

    /// <summary>
    /// The highest version held of <paramref name="epoch"/> when <paramref name="cutOrHead"/> is the last version
    /// assigned before it ended: 0 when the epoch assigned none (PROTOCOL.md: "the cut point; 0 if none").
    /// </summary>
    public static long HeldOf(long epoch, long cutOrHead) =>
        Versions.EpochOf(cutOrHead) == epoch ? cutOrHead : 0;

    private static EpochStart? NewEpoch(long wanted, long currentEpoch, long head)
    {
        // Only a cursor at the very top of the version space lands here. Refusing to serve it would make the
        // collection unusable for that device, and the only versions that could then repeat are ones this
        // server never issued, so the collection stays in (or moves to) the last epoch instead.
        var epoch = Math.Min(wanted, MaxEpoch);
        return epoch > currentEpoch ? new EpochStart { Epoch = epoch, CutVersion = head } : null;
    }
}
