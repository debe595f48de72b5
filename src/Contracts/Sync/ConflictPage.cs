namespace DeviceSync.Contracts.Sync;

[GenerateSerializer, Immutable, Alias("DeviceSync.ConflictPage")]
public sealed record ConflictPage
{
    [Id(0)] public IReadOnlyList<ConflictRecord> Conflicts { get; init; } = [];

    [Id(1)] public long? Cursor { get; init; }

    [Id(2)] public bool HasMore { get; init; }
}
