namespace DeviceSync.Contracts.Backups;

/// <summary>An account's restore from backup: merged, never rolled back (a revocation stays, a newer device stays).</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.AccountRestoreResult")]
public sealed record AccountRestoreResult
{
    [Id(0)] public RestoreStatus Status { get; init; }

    /// <summary>The account's collections: those the live account or the backup knows.</summary>
    [Id(1)] public IReadOnlyList<string> Collections { get; init; } = [];

    /// <summary>True when the live account did not exist and was recreated from the backup.</summary>
    [Id(2)] public bool Recreated { get; init; }

    [Id(3)] public int DevicesAdded { get; init; }

    [Id(4)] public int RevocationsAdded { get; init; }

    [Id(5)] public string? Detail { get; init; }
}
