using System.Text;
using DeviceSync.Grains.Accounts;
using DeviceSync.Grains.Sync;

namespace DeviceSync.Grains.Tests.Compatibility;

/// <summary>
/// Rolling upgrades run two builds side by side and storage outlives every build: this build must read what every
/// released build wrote (STYLE.md, after Garnet's down-level recovery tests).
/// </summary>
public sealed class ReleasedPayloadTests
{
    public static TheoryData<int> Schemas() => [.. ReleasedPayloads.Schemas()];

    [Theory]
    [MemberData(nameof(Schemas))]
    public void A_released_collection_journal_replays_to_its_recorded_digest(int schema)
    {
        var folder = ReleasedPayloads.Folder(schema);
        var ledger = new CollectionLedger("contacts", new SyncPolicy());
        foreach (var line in File.ReadAllLines(Path.Combine(folder, "collection-journal.jsonl")))
        {
            ledger.Apply(CollectionCodec.DecodeChange(Encoding.UTF8.GetBytes(line)));
        }

        Assert.Equal(File.ReadAllText(Path.Combine(folder, "collection-digest.txt")).Trim(), ledger.ComputeDigest());
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void A_released_collection_snapshot_reads_back_to_the_same_state(int schema)
    {
        var folder = ReleasedPayloads.Folder(schema);
        var snapshot = ReleasedPayloads.Gzip(File.ReadAllBytes(Path.Combine(folder, "collection-snapshot.json")));
        var ledger = CollectionCodec.DecodeSnapshot(snapshot, new SyncPolicy());
        Assert.Equal(File.ReadAllText(Path.Combine(folder, "collection-digest.txt")).Trim(), ledger.ComputeDigest());
        Assert.True(ledger.CurrentEpoch > 0, "the scenario includes a server-behind epoch");
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void A_released_account_journal_and_snapshot_read_back_alike(int schema)
    {
        var folder = ReleasedPayloads.Folder(schema);
        var replayed = new AccountLedger();
        foreach (var line in File.ReadAllLines(Path.Combine(folder, "account-journal.jsonl")))
        {
            replayed.Apply(AccountLedger.DecodeChange(Encoding.UTF8.GetBytes(line)));
        }

        var snapshot = AccountLedger.DecodeSnapshot(File.ReadAllBytes(Path.Combine(folder, "account-snapshot.json")));
        foreach (var ledger in new[] { replayed, snapshot })
        {
            Assert.True(ledger.Exists);
            Assert.Equal("PBKDF2-SHA256", ledger.Password?.Algorithm);
            Assert.Equal(["d-1"], ledger.LiveDevices.Select(d => d.DeviceId));
            Assert.True(ledger.VerifyToken("d-1", [9, 9, 9]));
            Assert.False(ledger.VerifyToken("d-2", [8, 8, 8]));
            Assert.Equal(["contacts"], ledger.Collections);
            Assert.NotNull(ledger.LiveDevices.Single().LastSeenAt);
        }
    }

    [Fact]
    public void The_current_build_writes_what_the_newest_released_schema_reads()
    {
        // Until a new schema is released, today's encoder must still produce the newest released state.
        var newest = ReleasedPayloads.Folder(ReleasedPayloads.Schemas().Max());
        var current = ReleasedPayloads.CollectionScenario();
        Assert.Equal(File.ReadAllText(Path.Combine(newest, "collection-digest.txt")).Trim(), current.Ledger.ComputeDigest());
    }

    /// <summary>Writes a new schema's payloads: <c>DEVICESYNC_WRITE_PAYLOADS=tests/Grains.Tests/Compatibility/Payloads/vN dotnet test --filter Write_payloads</c>.</summary>
    [Fact]
    public void Write_payloads_when_asked()
    {
        if (Environment.GetEnvironmentVariable("DEVICESYNC_WRITE_PAYLOADS") is { Length: > 0 } folder)
        {
            ReleasedPayloads.Write(folder);
        }
    }
}
