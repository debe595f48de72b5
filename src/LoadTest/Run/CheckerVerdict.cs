namespace DeviceSync.LoadTest.Run;

/// <summary>The checker's result: what it read and compared, and every item it found wrong.</summary>
public sealed record CheckerVerdict
{
    public required int Accounts { get; init; }
    public required long AcknowledgedItems { get; init; }
    public required long ItemsRead { get; init; }
    public required long Matched { get; init; }
    public required long Tombstones { get; init; }

    /// <summary>Items whose server state is a write no device saw acknowledged (a given-up or duplicate-answered resend): allowed.</summary>
    public required long InDoubtWritesSurfaced { get; init; }

    public required long InDoubtWrites { get; init; }
    public required double Seconds { get; init; }
    public required IReadOnlyList<CheckerFinding> Findings { get; init; }

    public bool Clean => Findings.Count == 0;

    /// <summary>Findings counted by kind (lower-case names: lost, corrupted, appliedtwice, unexpected, unreadable, superseded, unrecoverable).</summary>
    public IReadOnlyDictionary<string, int> FindingsByKind => Findings
        .GroupBy(f => f.Kind.ToString().ToLowerInvariant())
        .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
