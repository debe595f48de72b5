namespace DeviceSync.Grains.Backup;

/// <summary>
/// What the backup holds of one generation of one stream (its <c>~tail</c> row): the newest entry, the newest snapshot
/// and the oldest point a restore can reach (after pruning).
/// </summary>
public sealed record BackupTail
{
    public required string StreamKey { get; init; }

    public int Generation { get; init; }

    /// <summary>The newest entry copied (0: none yet).</summary>
    public long Newest { get; init; }

    public Guid NewestEntryId { get; init; }

    public DateTimeOffset? NewestAt { get; init; }

    /// <summary>The newest snapshot copied (0: none).</summary>
    public long Snapshot { get; init; }

    /// <summary>When the first entry or snapshot of this generation was committed.</summary>
    public DateTimeOffset? FirstAt { get; init; }

    /// <summary>The oldest restorable sequence (0: from the stream's beginning) and its commit time.</summary>
    public long Oldest { get; init; }

    public DateTimeOffset? OldestAt { get; init; }

    public long Last => Math.Max(Newest, Snapshot);
}
