// TEMPORARY stub of the sync surface (being built on branch `sync`); deleted at merge.
using DeviceSync.Contracts.Sync;
namespace DeviceSync.Grains.Sync;
#pragma warning disable
public sealed class SyncPolicy { public const string SectionName = "Sync"; public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(90); public TimeSpan ConflictRetention { get; set; } = TimeSpan.FromDays(30); }
public sealed class CollectionChange { }
public sealed record SyncPlan(CollectionChange? Change, IReadOnlyList<MutationResult> Results, ResyncInstruction? Resync);
public sealed class CollectionLedger {
    public CollectionLedger(string collection, SyncPolicy policy) { Collection = collection; }
    public string Collection { get; }
    public long HeadVersion { get; }
    public long CurrentEpoch { get; }
    public int ItemCount { get; }
    public SyncPlan Plan(SyncCollectionRequest request, DateTimeOffset now) => throw null!;
    public void Apply(CollectionChange change) { }
    public SyncCollectionResult Complete(SyncPlan plan, SyncCollectionRequest request) => throw null!;
    public ConflictPage ReadConflicts(long? afterSequence, int limit) => throw null!;
    public CollectionChange? PlanMaintenance(DateTimeOffset now) => null;
    public string ComputeDigest() => "";
}
public static class CollectionCodec {
    public static byte[] EncodeChange(CollectionChange change) => [];
    public static CollectionChange DecodeChange(ReadOnlySpan<byte> utf8Json) => new();
    public static byte[] EncodeSnapshot(CollectionLedger ledger) => [];
    public static CollectionLedger DecodeSnapshot(ReadOnlySpan<byte> bytes, SyncPolicy policy) => throw null!;
}
