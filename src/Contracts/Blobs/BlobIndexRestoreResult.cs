using DeviceSync.Contracts.Backups;

namespace DeviceSync.Contracts.Blobs;

/// <summary>What restoring an account's blob index from the backup did (merged: records are added, never removed).</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.BlobIndexRestoreResult")]
public sealed record BlobIndexRestoreResult
{
    [Id(0)] public RestoreStatus Status { get; init; }

    /// <summary>Records the backup held at the point and the live index lacked, now added.</summary>
    [Id(1)] public int Added { get; init; }

    /// <summary>Every hash the index holds after the merge: the gateway checks each one's bytes on the replicas.</summary>
    [Id(2)] public IReadOnlyList<string> Blobs { get; init; } = [];

    [Id(3)] public string? Detail { get; init; }
}
