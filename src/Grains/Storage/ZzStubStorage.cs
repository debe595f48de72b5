// TEMPORARY stub of the storage surface (being built on branch `storage`); deleted at merge.
using Microsoft.Extensions.DependencyInjection;
namespace DeviceSync.Grains.Storage;
#pragma warning disable
public sealed class ReplicationOptions { public const string SectionName = "Storage"; public List<string> Replicas { get; set; } = []; public int WriteQuorum { get; set; } = 2; public string TablePrefix { get; set; } = "devicesync"; public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(5); }
public interface IJournalStore { Task<JournalStream> OpenAsync(string streamKey, CancellationToken cancellationToken = default); }
public sealed record JournalSnapshot(long Sequence, ReadOnlyMemory<byte> Payload);
public sealed record JournalRecord(long Sequence, ReadOnlyMemory<byte> Payload);
public sealed class JournalStream {
    public string StreamKey { get; } = "";
    public JournalSnapshot? Snapshot { get; }
    public IReadOnlyList<JournalRecord> Entries { get; } = [];
    public long LastSequence { get; }
    public long BytesSinceSnapshot { get; }
    public long LastSnapshotBytes { get; }
    public Task AppendAsync(ReadOnlyMemory<byte> payload, CancellationToken ct = default) => Task.CompletedTask;
    public Task WriteSnapshotAsync(ReadOnlyMemory<byte> state, CancellationToken ct = default) => Task.CompletedTask;
}
public sealed class JournalFencedException : Exception { }
public static class StorageServiceCollectionExtensions { public static IServiceCollection AddDeviceSyncStorage(this IServiceCollection services) => services; }
