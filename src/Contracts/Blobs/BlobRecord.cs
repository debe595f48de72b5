namespace DeviceSync.Contracts.Blobs;

/// <summary>One blob an account holds, as its blob index records it (the bytes live on the storage replicas).</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.BlobRecord")]
public sealed record BlobRecord
{
    /// <summary>Lower-case hex SHA-256 of the bytes: the blob's name and its ETag.</summary>
    [Id(0)] public string Sha256 { get; init; } = "";

    /// <summary>The Content-Type the account uploaded it with (per account: another account may name the same bytes otherwise).</summary>
    [Id(1)] public string ContentType { get; init; } = "";

    [Id(2)] public long Length { get; init; }

    /// <summary>When the account first uploaded it.</summary>
    [Id(3)] public DateTimeOffset UploadedAt { get; init; }

    /// <summary>When a garbage-collection scan first found no item referring to it (its grace period's start); null: referenced, or not scanned yet.</summary>
    [Id(4)] public DateTimeOffset? UnreferencedSince { get; init; }
}
