using System.Globalization;
using System.Text.Json;
using DeviceSync.Client;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Sync;
using DeviceSync.Ops;
using DeviceSync.Ops.Backups;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// Continuous backups, point-in-time restore and the restore drill against real processes: three Azurite replicas
/// and a fourth as the backup store, two silos, the gateway, and devices driven by the device library.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class BackupRestoreTests(ITestOutputHelper output) : ClusterTest(output, new LocalClusterOptions
{
    // The drill's verification record is read back quickly, so its metrics can be asserted within the test.
    SiloSettings = new Dictionary<string, string> { ["Backup:VerificationRefresh"] = "00:00:01" },
})
{
    private const string Password = "correct horse battery";
    private static readonly RetryOptions FastRetry = new() { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(1) };
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly List<IDisposable> _owned = [];

    [Fact]
    public async Task Restore_to_a_point_gives_exactly_that_state_and_a_device_that_synced_past_it_hands_back_its_data()
    {
        var account = "restore-" + Guid.NewGuid().ToString("N")[..8];
        var a = await NewDeviceAsync(account, create: true);
        a.Put("notes", "n-1", """{"t":"milk"}""");
        a.Put("notes", "n-2", """{"t":"eggs"}""");
        a.Put("notes", "n-3", """{"t":"flour"}""");
        await a.SyncAsync();
        var atPoint = (await LiveDigestsAsync(account))["notes"];
        await WaitUntilBackedUpAsync(account, "notes", atPoint);
        var point = DateTimeOffset.UtcNow;
        await Task.Delay(50); // later commits get later commit times

        a.Put("notes", "n-4", """{"t":"sugar"}""");
        a.Put("notes", "n-1", """{"t":"oat milk"}""");
        a.Delete("notes", "n-2");
        await a.SyncAsync();
        var beforeRestore = (await LiveDigestsAsync(account))["notes"];
        Assert.NotEqual(atPoint.Digest, beforeRestore.Digest);

        var restore = await new AdminClient(Http(), Cluster.AdminKey!).RestoreAsync(account, point, collection: null, CancellationToken.None);
        Assert.True(restore.Ok, restore.Text);
        var notes = restore.Answer!.RootElement.GetProperty("collections").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "notes");
        Assert.Equal("restored", notes.GetProperty("status").GetString());

        // Exactly the state at the point: the same items at the same versions, in a new epoch.
        var restored = (await LiveDigestsAsync(account))["notes"];
        Assert.Equal((atPoint.Digest, atPoint.HeadVersion), (restored.Digest, restored.HeadVersion));
        Assert.Equal(1, restored.Epoch);

        // The device saw more than the restored point: epoch-changed, it hands back its edits and re-sends the delete,
        // which the mass-delete guard holds (a delete right after a resync) until the user confirms it.
        var held = 0;
        a.MassDeleteHeld += hold =>
        {
            held++;
            a.ConfirmMassDelete(hold.Collection);
        };
        await a.SyncAsync();
        await a.SyncAsync();
        await a.SyncAsync();
        Assert.Equal(1, held);
        Assert.True(a.Statistics.EpochChanged + a.Statistics.ServerBehind >= 1, "the device was told to resync");
        Assert.True(a.Statistics.Restores >= 2, $"the device handed back what the restore lacked ({a.Statistics.Restores} restores)");

        // Nothing lost: a new device of the account sees every write device A made, and agrees with A.
        var b = await NewDeviceAsync(account, create: false);
        b.Track("notes");
        await b.SyncAsync();
        Assert.Equal(["n-1", "n-3", "n-4"], b.Items("notes").Where(i => !i.Deleted).Select(i => i.ItemId).Order(StringComparer.Ordinal));
        Assert.Equal("""{"t":"oat milk"}""", b.Get("notes", "n-1")!.Data);
        Assert.Equal("""{"t":"sugar"}""", b.Get("notes", "n-4")!.Data);
        Assert.True(b.Get("notes", "n-2") is null or { Deleted: true });
        Assert.Equal(a.Digest("notes"), b.Digest("notes"));
        Assert.Equal((await LiveDigestsAsync(account))["notes"].Digest, b.Digest("notes"));
    }

    [Fact]
    public async Task The_drill_verifies_a_quiet_cluster_and_reports_a_tampered_backup_as_unverified()
    {
        var account = "drill-" + Guid.NewGuid().ToString("N")[..8];
        var a = await NewDeviceAsync(account, create: true);
        for (var i = 0; i < 4; i++)
        {
            a.Put("notes", "n-" + i, $$"""{"i":{{i}}}""");
            a.Put("tasks", "t-" + i, $$"""{"i":{{i}}}""");
            await a.SyncAsync();
        }

        var store = BackupStore();

        // The drill finds accounts through the backup; wait for the copier (about a second behind) to have shipped both.
        await Eventually.WaitAsync(
            async () => (await store.ListStreamsAsync(JournalStreams.ForCollection(account, ""), CancellationToken.None)).Count == 2,
            Deadline,
            "the backup did not receive both collections");
        var drill = new RestoreDrill(store, new AdminClient(Http(), Cluster.AdminKey!), TimeSpan.FromSeconds(30), new TestOutputWriter(Output));
        var verdict = await drill.RunAsync(accountId: null, CancellationToken.None);
        Output.WriteLine(DrillCommand.Describe(verdict));
        Assert.True(verdict.Verified, string.Join("; ", verdict.Differences));
        Assert.Equal(2, verdict.Matched);
        var record = VerificationRecord.FromJson(await store.ReadRecordAsync(VerificationRecord.LatestName) ?? []);
        Assert.True(record!.Passed);
        await Eventually.WaitAsync(async () => await SiloMetricAsync("devicesync_backup_verified") == 1, Deadline, "silos publish the verified drill");
        Assert.InRange(await SiloMetricAsync("devicesync_backup_last_verified_age_seconds"), 0, 600);

        // Tamper with the backup: entry 2 of notes disappears (its history is still in the journal's entries: no snapshot yet).
        await store.Table.DeleteEntityAsync(DeviceSync.Grains.Backup.BackupStore.Partition($"collection/{account}/notes", 0), DeviceSync.Grains.Backup.BackupStore.RowKey(2));
        var console = new StringWriter(CultureInfo.InvariantCulture);
        var previousOut = Console.Out;
        var previousError = Console.Error;
        Console.SetOut(console);
        Console.SetError(console);
        int exit;
        try
        {
            exit = await OpsCommandLine.InvokeAsync(
            ["drill", "--backup", Cluster.Backup!.ConnectionString, "--backup-prefix", Cluster.TablePrefix, "--gateway", Cluster.GatewayAddress.ToString(), "--admin-key", Cluster.AdminKey!, "--wait", "2"]);
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }

        Output.WriteLine(console.ToString());
        Assert.Contains("NOT verified: 1 collections match, 1 differ", console.ToString(), StringComparison.Ordinal);

        Assert.Equal(1, exit);
        var failed = VerificationRecord.FromJson(await store.ReadRecordAsync(VerificationRecord.LatestName) ?? []);
        Assert.False(failed!.Passed);
        Assert.Equal((1, 1), (failed.Matched, failed.Differed));
        Assert.Contains($"{account}/notes", failed.Differences.Single(), StringComparison.Ordinal);
        await Eventually.WaitAsync(async () => await SiloMetricAsync("devicesync_backup_verified") == 0, Deadline, "silos report the backup unverified");
    }

    [Fact]
    public async Task A_collection_whose_live_replicas_lost_it_is_restored_from_the_backup_and_its_device_keeps_syncing()
    {
        var (account, a, live) = await TwoNotesBackedUpAsync("wiped-");

        // Every live replica loses the collection's journal (an operator's mistake, a storage migration gone wrong).
        var partition = $"collection~2F{account}~2Fnotes";
        foreach (var replica in Cluster.Replicas.Replicas)
        {
            var table = new Azure.Data.Tables.TableClient(replica.ConnectionString, Cluster.TablePrefix + "journal");
            await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == partition))
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
            }
        }

        var restore = await new AdminClient(Http(), Cluster.AdminKey!).RestoreAsync(account, to: null, "notes", CancellationToken.None);
        Assert.True(restore.Ok, restore.Text);
        var restored = (await LiveDigestsAsync(account))["notes"];
        Assert.Equal((live.Digest, live.HeadVersion), (restored.Digest, restored.HeadVersion));

        // The device's cursor is the restored head: it is served, writes on, and a new device sees all of it.
        a.Put("notes", "n-3", """{"t":"three"}""");
        await a.SyncAsync();
        var b = await NewDeviceAsync(account, create: false);
        b.Track("notes");
        await b.SyncAsync();
        Assert.Equal(["n-1", "n-2", "n-3"], b.Items("notes").Select(i => i.ItemId).Order(StringComparer.Ordinal));

        // The backup kept the old history and continues the new one in a new generation.
        await Eventually.WaitAsync(async () => await BackupStore().ReadGenerationAsync($"collection/{account}/notes") == 1, Deadline, "a new generation");
        var windows = await BackupsCommand.ListAsync(BackupStore(), account, CancellationToken.None);
        Assert.Equal(
            [($"account/{account}", 0), ($"collection/{account}/notes", 0), ($"collection/{account}/notes", 1)],
            windows.Select(w => (w.StreamKey, w.Generation)));
        Assert.All(windows, w => Assert.True(w.OldestAt <= w.NewestAt, $"{w.StreamKey} has a restorable window"));
    }

    /// <summary>
    /// The case a CI run met: <c>ops restore --all</c> during a storage outage, where one account's restore was answered
    /// 503 and the whole run failed. Two replicas of three stop (the journal cannot reach W = 2), so the restore route
    /// cannot serve the account; ops keeps resending within <c>--retry-for</c>, and once the replicas are back the
    /// collection is restored exactly once (one new epoch) to the backup's state.
    /// </summary>
    [Fact]
    public async Task Ops_restore_resends_while_storage_is_below_quorum_and_restores_once_it_is_back()
    {
        var (account, a, live) = await TwoNotesBackedUpAsync("outage-");

        await Task.WhenAll(Cluster.Replicas[1].StopAsync(), Cluster.Replicas[2].StopAsync());
        var lines = new TestOutputWriter(Output);
        var restore = RestoreCommand.RestoreAccountAsync(
            new AdminClient(Http(), Cluster.AdminKey!), account, point: null, collection: null, lines, TimeSpan.FromSeconds(120), CancellationToken.None);
        await Eventually.WaitAsync(() => Task.FromResult(lines.Lines.Any(l => l.Contains("resent", StringComparison.Ordinal))), Deadline, "a resend while storage is below quorum");
        Assert.False(restore.IsCompleted, "the restore gave up while storage was down");

        await Task.WhenAll(Cluster.Replicas[1].RestartAsync(), Cluster.Replicas[2].RestartAsync());
        var failures = await restore;
        Assert.True(failures == 0, string.Join('\n', lines.Lines));
        Assert.Single(lines.Lines, l => l.Contains($"{account}/notes: restored", StringComparison.Ordinal));

        // The backup's state, and the device keeps syncing.
        Assert.Equal(live.Digest, (await LiveDigestsAsync(account))["notes"].Digest);
        a.Put("notes", "n-3", """{"t":"three"}""");
        await a.SyncAsync();
        Assert.Equal(["n-1", "n-2", "n-3"], a.Items("notes").Select(i => i.ItemId).Order(StringComparer.Ordinal));
    }

    public override async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        await base.DisposeAsync();
    }

    /// <summary>A new account whose device synced two notes, once the backup holds them: the account, the device, the live state.</summary>
    private async Task<(string Account, Device Device, LiveState Live)> TwoNotesBackedUpAsync(string accountPrefix)
    {
        var account = accountPrefix + Guid.NewGuid().ToString("N")[..8];
        var device = await NewDeviceAsync(account, create: true);
        device.Put("notes", "n-1", """{"t":"one"}""");
        device.Put("notes", "n-2", """{"t":"two"}""");
        await device.SyncAsync();
        var live = (await LiveDigestsAsync(account))["notes"];
        await WaitUntilBackedUpAsync(account, "notes", live);
        return (account, device, live);
    }

    private BackupStore BackupStore() => new(Cluster.Backup!.ConnectionString, Cluster.TablePrefix, TimeSpan.FromSeconds(10));

    /// <summary>Waits until the backup's newest state of the collection equals <paramref name="live"/> (copies run every second).</summary>
    private async Task WaitUntilBackedUpAsync(string account, string collection, AdminClient.LiveCollection live)
    {
        var reader = new BackupReader(BackupStore());
        await Eventually.WaitAsync(
            async () => await reader.ReadAsync($"collection/{account}/{collection}", to: null) is { MissingFrom: null } image
                && BackupReplay.Collection(image, collection, new SyncPolicy()).ComputeDigest() == live.Digest,
            Deadline,
            "the backup catches up with the live collection");
    }

    private async Task<IReadOnlyDictionary<string, LiveState>> LiveDigestsAsync(string account)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/admin/accounts/{account}/digests");
        request.Headers.Add("X-Admin-Key", Cluster.AdminKey);
        using var response = await Http().SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("collections").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => new LiveState(
                c.GetProperty("digest").GetString()!,
                long.Parse(c.GetProperty("headVersion").GetString()!, CultureInfo.InvariantCulture),
                c.GetProperty("epoch").GetInt64(),
                c.GetProperty("items").GetInt32()));
    }

    private Task WaitUntilBackedUpAsync(string account, string collection, LiveState live) =>
        WaitUntilBackedUpAsync(account, collection, new AdminClient.LiveCollection(collection, live.Digest, live.HeadVersion, live.Items));

    /// <summary>The value of a metric on the first silo (its /metrics, Prometheus text); NaN when absent.</summary>
    private async Task<double> SiloMetricAsync(string name)
    {
        var text = await Http().GetStringAsync(new Uri(Cluster.Silos[0].HttpAddress, "/metrics"));
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private HttpClient Http()
    {
        var http = Cluster.CreateClient();
        _owned.Add(http);
        return http;
    }

    private async Task<Device> NewDeviceAsync(string account, bool create)
    {
        var client = new SyncClient(Http(), FastRetry);
        if (create)
        {
            await client.CreateAccountAsync(account, Password);
        }

        var credentials = await client.RegisterDeviceAsync(account, Password, "phone", "test");
        var device = new Device(client.Connect(credentials), new InMemoryDeviceStore());
        _owned.Add(device);
        return device;
    }

    private sealed record LiveState(string Digest, long HeadVersion, long Epoch, int Items);

    /// <summary>Passes lines to the test output and keeps them for assertions.</summary>
    private sealed class TestOutputWriter(ITestOutputHelper output) : StringWriter(CultureInfo.InvariantCulture)
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public override void WriteLine(string? value)
        {
            _lines.Enqueue(value ?? "");
            output.WriteLine(value ?? "");
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }
    }
}
