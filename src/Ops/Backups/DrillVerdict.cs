namespace DeviceSync.Ops.Backups;

/// <summary>What a restore drill found: collections whose restored state equals the live one, and those that differ and why.</summary>
public sealed record DrillVerdict(int Accounts, int Matched, IReadOnlyList<string> Differences, DateTimeOffset BackupPoint, TimeSpan Duration)
{
    public int Differed => Differences.Count;

    public bool Verified => Differences.Count == 0;
}
