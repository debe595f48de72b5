namespace DeviceSync.Grains.Backup;

/// <summary>
/// A stream as the backup holds it at a point: the newest snapshot at or before <see cref="Sequence"/> and the entries
/// after it through <see cref="Sequence"/>. Replaying it rebuilds the stream's state exactly as it was committed.
/// </summary>
public sealed record BackupImage
{
    public required string StreamKey { get; init; }

    public int Generation { get; init; }

    /// <summary>The last entry the image includes (0: the stream's state before its first entry, i.e. empty).</summary>
    public long Sequence { get; init; }

    /// <summary>When <see cref="Sequence"/> was committed (null for the empty image).</summary>
    public DateTimeOffset? CommittedAt { get; init; }

    public long SnapshotSequence { get; init; }

    public ReadOnlyMemory<byte>? SnapshotState { get; init; }

    /// <summary>Set when the backup holds later entries but lacks this one (and no snapshot covers it): the history is
    /// damaged, and the image stops just before it.</summary>
    public long? MissingFrom { get; init; }

    /// <summary>Entries <see cref="SnapshotSequence"/> + 1 .. <see cref="Sequence"/>, ascending.</summary>
    public IReadOnlyList<BackupEntry> Entries { get; init; } = [];
}
