using System.IO.Compression;
using System.Text;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Accounts;
using DeviceSync.Grains.Sync;
using DeviceSync.Grains.Tests.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Compatibility;

/// <summary>
/// The persisted payloads of each released schema, checked in under <c>Payloads/v{n}/</c>. They are written once,
/// when a schema is released, and never regenerated: a new schema adds a new folder. The scenario covers every
/// kind of entry: puts, edits, deletes, a conflict, a restore, a server-behind epoch, a maintenance purge, and
/// for accounts creation, devices, a revocation, a collection and last-seen times.
/// </summary>
internal static class ReleasedPayloads
{
    public static string Folder(int schema) => Path.Combine(AppContext.BaseDirectory, "Compatibility", "Payloads", $"v{schema}");

    public static IEnumerable<int> Schemas() =>
        Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Compatibility", "Payloads"))
            .Select(d => int.Parse(Path.GetFileName(d)[1..], System.Globalization.CultureInfo.InvariantCulture))
            .Order();

    /// <summary>Writes the current build's payloads into <paramref name="folder"/> (run once per released schema).</summary>
    public static void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var collection = CollectionScenario();
        File.WriteAllLines(Path.Combine(folder, "collection-journal.jsonl"), collection.Journal.Select(Encoding.UTF8.GetString));
        File.WriteAllBytes(Path.Combine(folder, "collection-snapshot.json"), Gunzip(CollectionCodec.EncodeSnapshot(collection.Ledger)));
        File.WriteAllText(Path.Combine(folder, "collection-digest.txt"), collection.Ledger.ComputeDigest());

        var (journal, ledger) = AccountScenario();
        File.WriteAllLines(Path.Combine(folder, "account-journal.jsonl"), journal.Select(Encoding.UTF8.GetString));
        File.WriteAllBytes(Path.Combine(folder, "account-snapshot.json"), ledger.EncodeSnapshot());
    }

    public static LedgerHarness CollectionScenario()
    {
        var policy = new SyncPolicy { TombstoneRetention = TimeSpan.FromDays(90), ConflictRetention = TimeSpan.FromDays(30) };
        var harness = new LedgerHarness(policy);
        harness.Sync("dev-a", null, Put(1, "c-1", """{"name":"Ann","phones":["+1 555 0100"]}""", 0), Put(2, "c-2", """{"name":"Bo"}""", 0));
        harness.Sync("dev-a", 2, Put(3, "c-1", """{"name":"Ann B."}""", 1), Delete(4, "c-2", 2));
        harness.Sync("dev-b", null, Put(1, "c-1", """{"name":"Ann (old)"}""", 1));
        harness.Sync("dev-b", 4, Restore(2, "c-3", 37, """{"name":"Cy"}"""));
        harness.Sync("dev-c", 999, Put(1, "c-4", """{"name":"Di"}""", 0));
        harness.Now = LedgerHarness.T0.AddDays(100);
        harness.Maintain(harness.Now);
        return harness;
    }

    public static (List<byte[]> Journal, AccountLedger Ledger) AccountScenario()
    {
        var at = LedgerHarness.T0;
        var changes = new List<AccountChange>
        {
            new()
            {
                CreatedAt = at,
                Password = new PasswordHash { Algorithm = "PBKDF2-SHA256", Iterations = 100_000, Salt = [1, 2, 3, 4], Hash = [5, 6, 7, 8] },
            },
            new()
            {
                DevicesAdded =
                [
                    new DeviceRecord { DeviceId = "d-1", Name = "Phone", Platform = "android", CreatedAt = at, TokenSha256 = [9, 9, 9] },
                    new DeviceRecord { DeviceId = "d-2", Name = "Tablet", Platform = "ios", CreatedAt = at, TokenSha256 = [8, 8, 8] },
                ],
            },
            new() { DevicesRevoked = ["d-2"], RevokedAt = at.AddHours(1) },
            new() { CollectionsNoted = ["contacts"] },
            new() { DevicesSeen = new Dictionary<string, DateTimeOffset> { ["d-1"] = at.AddHours(2) } },
        };
        var ledger = new AccountLedger();
        var journal = new List<byte[]>();
        foreach (var change in changes)
        {
            journal.Add(AccountLedger.EncodeChange(change));
            ledger.Apply(change);
        }

        return (journal, ledger);
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
