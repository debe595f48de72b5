using System.Text;
using DeviceSync.Grains.Blobs;

namespace DeviceSync.Grains.Tests.Blobs;

/// <summary>
/// The garbage collector's rules on the blob index (ADR 0009), without a cluster: two scans a grace period apart, an
/// upload restarting the grace period, the ticket fence, pruning, and the persisted form (schema 2, replay = snapshot).
/// </summary>
public sealed class BlobGcRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromHours(24);
    private static readonly string A = new('a', 64);
    private static readonly string B = new('b', 64);
    private static readonly HashSet<string> None = [];

    [Fact]
    public void An_unreferenced_blob_is_collected_only_by_a_scan_a_whole_grace_period_after_the_first_that_found_it()
    {
        var ledger = LedgerWith(A, B);

        Scan(ledger, referenced: [B], T0);
        Assert.Equal(T0, ledger.Marks[A]);
        Assert.False(ledger.Marks.ContainsKey(B));

        Assert.Empty(Scan(ledger, referenced: [B], T0 + Grace - TimeSpan.FromSeconds(1))?.Collected ?? []);
        Assert.NotNull(ledger.Find(A));

        var change = Scan(ledger, referenced: [B], T0 + Grace);
        Assert.Equal([A], change!.Collected!.Select(t => t.Sha256));
        Assert.Null(ledger.Find(A));
        Assert.NotNull(ledger.Find(B));
        Assert.Equal([A], ledger.PendingDeletes.Select(t => t.Sha256));
    }

    [Fact]
    public void A_blob_referenced_at_the_second_scan_survives_and_its_grace_period_starts_over()
    {
        var ledger = LedgerWith(A);
        Scan(ledger, referenced: [], T0);            // upload, then the first scan: unreferenced
        Scan(ledger, referenced: [A], T0 + Grace);   // an item now refers to it: the mark goes
        Assert.NotNull(ledger.Find(A));
        Assert.Empty(ledger.Marks);

        Scan(ledger, referenced: [], T0 + Grace + TimeSpan.FromHours(1)); // unreferenced again: a new grace period
        Assert.Empty(Scan(ledger, referenced: [], T0 + Grace + Grace)?.Collected ?? []);
        Assert.NotNull(ledger.Find(A));
    }

    [Fact]
    public void An_upload_since_the_first_scan_or_one_in_flight_keeps_the_blob()
    {
        var ledger = LedgerWith(A, B);
        Scan(ledger, referenced: [], T0);
        ledger.Apply(new BlobIndexChange { At = T0 + TimeSpan.FromHours(1), Unmarked = [A] }); // A uploaded again (what the grain writes)

        var change = ledger.PlanScan(new HashSet<string>(), T0 + Grace, Grace, uploading: new HashSet<string> { B })!;
        ledger.Apply(change);

        Assert.Empty(change.Collected!);
        Assert.NotNull(ledger.Find(A));
        Assert.NotNull(ledger.Find(B));
        Assert.True(ledger.Marks.ContainsKey(A)); // marked anew by this scan: collected a grace period from now at the earliest
    }

    [Fact]
    public void An_upload_that_began_before_its_blob_was_collected_is_refused_and_one_that_began_after_is_accepted()
    {
        var ledger = LedgerWith(A);
        Scan(ledger, referenced: [], T0);
        var ticketBefore = ledger.Counter;
        Scan(ledger, referenced: [], T0 + Grace);
        var ticketAfter = ledger.Counter;

        Assert.False(ledger.AcceptsUpload(A, ticketBefore));
        Assert.True(ledger.AcceptsUpload(A, ticketAfter));
        Assert.True(ledger.AcceptsUpload(B, ticketBefore)); // another hash is not affected

        // Once the upload is recorded again the tombstone goes; a later collection fences with a higher counter.
        ledger.Apply(Add(A, T0 + Grace));
        Assert.Null(ledger.FindTombstone(A));
        Assert.Empty(ledger.PendingDeletes);
    }

    [Fact]
    public void Tombstones_are_pruned_a_grace_period_after_their_deletion_and_older_tickets_are_refused_from_then_on()
    {
        var ledger = LedgerWith(A);
        var oldTicket = ledger.Counter;
        Scan(ledger, referenced: [], T0);
        Scan(ledger, referenced: [], T0 + Grace);
        Assert.Null(ledger.PlanPrune(T0 + (3 * Grace), Grace)); // still deleting: never pruned

        ledger.Apply(BlobIndexLedger.Stamp(new BlobIndexChange { At = T0 + Grace, Deleted = [A] }));
        Assert.Empty(ledger.PendingDeletes);
        Assert.Null(ledger.PlanPrune(T0 + Grace + Grace - TimeSpan.FromSeconds(1), Grace));

        var prune = ledger.PlanPrune(T0 + Grace + Grace, Grace)!;
        ledger.Apply(prune);
        Assert.Null(ledger.FindTombstone(A));
        Assert.False(ledger.AcceptsUpload(A, oldTicket));
        Assert.True(ledger.AcceptsUpload(A, ledger.Counter));
    }

    [Fact]
    public void Collection_state_replays_to_the_same_index_as_its_snapshot_and_is_written_with_schema_2()
    {
        var ledger = new BlobIndexLedger();
        var changes = new List<BlobIndexChange> { Add(A, T0), Add(B, T0) };
        foreach (var change in changes)
        {
            ledger.Apply(change);
        }

        changes.Add(Scan(ledger, referenced: [], T0)!);
        changes.Add(Scan(ledger, referenced: [B], T0 + Grace)!);

        var replayed = new BlobIndexLedger();
        foreach (var change in changes)
        {
            var bytes = BlobIndexLedger.EncodeChange(change);
            Assert.Equal(change.HasCollectionState ? 2 : 1, System.Text.Json.JsonDocument.Parse(bytes).RootElement.GetProperty("v").GetInt32());
            replayed.Apply(BlobIndexLedger.DecodeChange(bytes));
        }

        var snapshot = replayed.EncodeSnapshot();
        Assert.StartsWith("{\"v\":2,", Encoding.UTF8.GetString(snapshot), StringComparison.Ordinal);
        var restored = BlobIndexLedger.DecodeSnapshot(snapshot);
        foreach (var copy in new[] { replayed, restored })
        {
            Assert.Null(copy.Find(A));
            Assert.NotNull(copy.Find(B));
            Assert.Empty(copy.Marks);
            Assert.Equal(1, copy.Counter);
            Assert.False(copy.AcceptsUpload(A, 0));
            Assert.Equal([A], copy.PendingDeletes.Select(t => t.Sha256));
        }

        // An index that never collected keeps writing what the previous build reads.
        Assert.StartsWith("{\"v\":1,", Encoding.UTF8.GetString(LedgerWith(A).EncodeSnapshot()), StringComparison.Ordinal);
    }

    private static BlobIndexLedger LedgerWith(params string[] hashes)
    {
        var ledger = new BlobIndexLedger();
        foreach (var hash in hashes)
        {
            ledger.Apply(Add(hash, T0 - TimeSpan.FromHours(1)));
        }

        return ledger;
    }

    private static BlobIndexChange? Scan(BlobIndexLedger ledger, HashSet<string> referenced, DateTimeOffset now)
    {
        var change = ledger.PlanScan(referenced, now, Grace, None);
        if (change is not null)
        {
            ledger.Apply(BlobIndexLedger.DecodeChange(BlobIndexLedger.EncodeChange(change)));
        }

        return change;
    }

    private static BlobIndexChange Add(string sha256, DateTimeOffset at) =>
        new() { Added = [new BlobIndexEntry { Sha256 = sha256, ContentType = "image/jpeg", Length = 100, UploadedAt = at }] };
}
