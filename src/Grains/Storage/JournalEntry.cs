using Azure;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// One journal row as stored on one replica. <see cref="InlinePayload"/> is empty when the payload lives in the
/// blob <see cref="BlobName"/> on the same replica.
/// </summary>
internal sealed record JournalEntry
{
    public required long Sequence { get; init; }

    public required Guid EntryId { get; init; }

    public required Guid PreviousEntryId { get; init; }

    public required byte[] Chain { get; init; }

    public required byte[] PayloadHash { get; init; }

    public required int PayloadLength { get; init; }

    public string? BlobName { get; init; }

    public ReadOnlyMemory<byte> InlinePayload { get; init; }

    public DateTimeOffset? Timestamp { get; init; }

    public ETag ETag { get; init; }
}
