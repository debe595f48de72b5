using System.Net;
using DeviceSync.Client.Tests.Support;

namespace DeviceSync.Client.Tests;

/// <summary>The client against a real cluster (Azurite replicas, silo processes, the gateway), over HTTP.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ClusterSyncTests(ClusterFixture fixture) : ClusterTest(fixture)
{
    private const long Epoch1 = 1L << 40;

    [Fact]
    public async Task Two_devices_of_one_account_converge_on_puts_edits_and_deletes()
    {
        var account = await NewAccountAsync("converge");
        var a = await NewDeviceAsync(account, "a");
        var b = await NewDeviceAsync(account, "b");
        b.Track("notes");

        a.Put("notes", "n-1", """{"t":"milk"}""");
        a.Put("notes", "n-2", """{"t":"eggs"}""");
        a.Put("tasks", "t-1", """{"done":false}""");
        await a.SyncAsync();
        Assert.Empty(a.Pending("notes"));
        b.Track("tasks");
        await b.SyncAsync();
        Assert.Equal(["n-1", "n-2"], b.Items("notes").Select(i => i.ItemId));
        Assert.Equal("""{"t":"milk"}""", b.Get("notes", "n-1")!.Data);
        Assert.Equal("""{"done":false}""", b.Get("tasks", "t-1")!.Data);

        b.Put("notes", "n-1", """{"t":"oat milk"}""");
        b.Delete("notes", "n-2");
        await b.SyncAsync();
        await a.SyncAsync();

        Assert.Equal("""{"t":"oat milk"}""", a.Get("notes", "n-1")!.Data);
        Assert.True(a.Get("notes", "n-2")!.Deleted);
        Assert.Equal(a.Get("notes", "n-1")!.Version, b.Get("notes", "n-1")!.Version);
        Assert.Equal(a.Get("notes", "n-2")!.Version, b.Get("notes", "n-2")!.Version);
        Assert.Equal(a.Store.GetCursor("notes"), b.Store.GetCursor("notes"));
        Assert.Equal(0, a.Statistics.Conflicts + b.Statistics.Conflicts);
    }

    [Fact]
    public async Task A_losing_edit_calls_OnConflict_with_both_copies_keeps_the_servers_and_is_archived()
    {
        var (a, b) = await TwoDevicesSharingAsync("conflict", "contacts", "c-1", """{"name":"Ann"}""");

        a.Put("contacts", "c-1", """{"name":"Ann Smith"}""");
        await a.SyncAsync();
        var seen = new List<SyncConflict>();
        b.OnConflict = c =>
        {
            seen.Add(c);
            return ConflictResolution.KeepServer;
        };
        var losing = b.Put("contacts", "c-1", """{"name":"Annie"}""");
        await b.SyncAsync();

        var conflict = Assert.Single(seen);
        Assert.Equal("""{"name":"Annie"}""", conflict.Mine.Data);
        Assert.Equal("""{"name":"Ann Smith"}""", conflict.Current!.Data);
        Assert.Equal("""{"name":"Ann Smith"}""", b.Get("contacts", "c-1")!.Data);
        Assert.Equal(a.Get("contacts", "c-1")!.Version, b.Get("contacts", "c-1")!.Version);

        var archived = Assert.Single(await a.Connection.GetAllConflictsAsync("contacts"));
        Assert.Equal((b.DeviceId, losing, """{"name":"Annie"}"""), (archived.DeviceId, archived.MutationId, archived.Data));
        Assert.Single(await b.Connection.GetAllConflictsAsync());
    }

    [Fact]
    public async Task A_lost_response_is_resent_with_the_same_ids_and_nothing_is_applied_twice()
    {
        var account = await NewAccountAsync("lost");
        var faults = new FaultInjectingHandler(FaultInjectingHandler.Fault.DropResponse);
        var a = await NewDeviceAsync(account, "a", faults);
        a.Put("notes", "n-1", """{"t":"once"}""");
        a.Put("notes", "n-2", """{"t":"twice?"}""");
        await a.SyncAsync();

        Assert.Equal(1, faults.Injected);
        Assert.Equal(2, a.Statistics.Duplicates);
        Assert.Equal(0, a.Statistics.Applied);
        Assert.Empty(a.Pending("notes"));

        // The server applied each mutation once: versions 1 and 2, and the device took them from the changes.
        var b = await NewDeviceAsync(account, "b");
        b.Track("notes");
        await b.SyncAsync();
        Assert.Equal([1L, 2L], b.Items("notes").Select(i => i.Version));
        Assert.Equal([1L, 2L], a.Items("notes").Select(i => i.Version));
        Assert.Equal("2", b.Store.GetCursor("notes"));
    }

    [Fact]
    public async Task A_pull_of_more_than_one_page_follows_hasMore()
    {
        var account = await NewAccountAsync("paging");
        var a = await NewDeviceAsync(account, "a", options: new DeviceOptions { MaxMutationsPerCollection = 40 });
        for (var i = 0; i < 120; i++)
        {
            a.Put("notes", $"n-{i:D3}", $$"""{"i":{{i}}}""");
        }

        await a.SyncAsync();
        Assert.Equal(3, a.Statistics.Requests);

        var b = await NewDeviceAsync(account, "b", options: new DeviceOptions { PullLimit = 50 });
        b.Track("notes");
        await b.SyncAsync();
        Assert.Equal(3, b.Statistics.Requests);
        Assert.Equal(120, b.Items("notes").Count);
        Assert.Equal("120", b.Store.GetCursor("notes"));
    }

    [Fact]
    public async Task Sync_retries_through_503s_and_timeouts()
    {
        var account = await NewAccountAsync("retry");
        var faults = new FaultInjectingHandler(
            FaultInjectingHandler.Fault.Unavailable, FaultInjectingHandler.Fault.Timeout, FaultInjectingHandler.Fault.Unavailable);
        var a = await NewDeviceAsync(account, "a", faults);
        a.Put("notes", "n-1", """{"t":"x"}""");
        await a.SyncAsync();

        Assert.Equal(3, faults.Injected);
        Assert.Equal(3, a.Connection.Client.RetryableFailures);
        Assert.Equal(1, a.Statistics.Applied);
        Assert.Equal(1, a.Get("notes", "n-1")!.Version);
    }

    [Fact]
    public async Task A_device_whose_cursor_is_ahead_of_the_server_hands_its_items_back_as_restores()
    {
        var account = await NewAccountAsync("ahead");
        var a = await NewDeviceAsync(account, "a");
        a.Put("notes", "n-1", """{"t":"one"}""");
        a.Put("notes", "n-2", """{"t":"two"}""");
        a.Put("notes", "n-3", """{"t":"three"}""");
        await a.SyncAsync();
        Assert.Equal("3", a.Store.GetCursor("notes"));

        // The device has seen more than the server holds (as after the server restored an older backup):
        // a cursor far ahead, its items at versions the server never handed out, and one item the server never had.
        a.Store.SetCursor("notes", "1000");
        a.Store.SetItem("notes", new StoredItem("n-2", 900, false, """{"t":"two, later"}"""));
        a.Store.SetItem("notes", new StoredItem("n-3", 950, false, """{"t":"three"}"""));
        a.Store.SetItem("notes", new StoredItem("n-9", 990, false, """{"t":"lost by the server"}"""));
        var events = new List<ResyncEvent>();
        a.Resync += events.Add;

        await a.SyncAsync();

        Assert.Equal(
            [new ResyncEvent("notes", ResyncInfo.ServerBehind, 3, "1000", false), new ResyncEvent("notes", ResyncInfo.ServerBehind, 3, "1000", true)],
            events);
        Assert.Equal(1, a.Statistics.ServerBehind);
        Assert.Equal(3, a.Statistics.Restores);
        Assert.Empty(a.Pending("notes"));
        Assert.Equal(["n-1", "n-2", "n-3", "n-9"], a.Items("notes").Select(i => i.ItemId));
        Assert.Equal(1, a.Get("notes", "n-1")!.Version);
        Assert.All(["n-2", "n-3", "n-9"], id => Assert.True(a.Get("notes", id)!.Version > Epoch1));
        Assert.Equal("""{"t":"two, later"}""", a.Get("notes", "n-2")!.Data);

        var b = await NewDeviceAsync(account, "b");
        b.Track("notes");
        await b.SyncAsync();
        Assert.Equal(
            a.Items("notes").Select(i => (i.ItemId, i.Version, i.Data)),
            b.Items("notes").Select(i => (i.ItemId, i.Version, i.Data)));
        Assert.Equal(0, b.Statistics.Resyncs);
    }

    [Fact]
    public async Task A_second_device_ahead_of_the_cut_gets_epoch_changed_and_its_stale_restore_is_archived_not_applied()
    {
        var account = await NewAccountAsync("epoch");
        var a = await NewDeviceAsync(account, "a");
        var c = await NewDeviceAsync(account, "c");
        a.Put("notes", "n-1", """{"t":"one"}""");
        a.Put("notes", "n-2", """{"t":"two"}""");
        await a.SyncAsync();
        c.Track("notes");
        await c.SyncAsync();

        // A is ahead first: the server starts epoch 1 and takes A's n-2 back at a new version.
        a.Store.SetCursor("notes", "1000");
        a.Store.SetItem("notes", new StoredItem("n-2", 900, false, """{"t":"two, from a"}"""));
        await a.SyncAsync();
        Assert.Equal(1, a.Statistics.ServerBehind);

        // C also saw epoch-0 history the server lost: a cursor beyond the cut, its own copy of n-2, an item only it has.
        c.Store.SetCursor("notes", "800");
        c.Store.SetItem("notes", new StoredItem("n-2", 800, false, """{"t":"two, from c"}"""));
        c.Store.SetItem("notes", new StoredItem("n-8", 750, false, """{"t":"only c"}"""));
        var conflicts = new List<SyncConflict>();
        c.OnConflict = x =>
        {
            conflicts.Add(x);
            return ConflictResolution.KeepServer;
        };
        var events = new List<ResyncEvent>();
        c.Resync += events.Add;
        await c.SyncAsync();

        Assert.Equal(new ResyncEvent("notes", ResyncInfo.EpochChanged, 2, "800", false), events[0]);
        Assert.Equal((0L, 1L), (c.Statistics.ServerBehind, c.Statistics.EpochChanged));
        var conflict = Assert.Single(conflicts);
        Assert.Equal((MutationOp.Restore, "n-2"), (conflict.Mine.Op, conflict.Mine.ItemId));
        Assert.Equal("""{"t":"two, from a"}""", c.Get("notes", "n-2")!.Data);
        Assert.Equal("""{"t":"only c"}""", c.Get("notes", "n-8")!.Data);

        await a.SyncAsync();
        Assert.Equal(0, a.Statistics.EpochChanged);
        Assert.Equal(
            a.Items("notes").Select(i => (i.ItemId, i.Version, i.Data)),
            c.Items("notes").Select(i => (i.ItemId, i.Version, i.Data)));
        var archived = Assert.Single(await a.Connection.GetAllConflictsAsync("notes"));
        Assert.Equal((c.DeviceId, "n-2", """{"t":"two, from c"}"""), (archived.DeviceId, archived.ItemId, archived.Data));
    }

    /// <summary>
    /// Found by the fault matrix (every replica wiped): after the loss one device handed back an older copy of an item
    /// first, and the delete another device had acknowledged later lost to it, because the copy's new version looked newer
    /// than the delete. The pulled item now says the version it was handed back at, and the held delete compares with that.
    /// </summary>
    [Fact]
    public async Task A_delete_the_server_lost_wins_over_an_older_copy_another_device_handed_back_first_and_loses_to_a_newer_one()
    {
        var (a, b) = await TwoDevicesSharingAsync("handback", "notes", "n-1", """{"t":"one"}""");

        // Both saw epoch-0 history the server lost: A holds copies of n-1 (at 80) and n-2 (at 95); B deleted both, at 90.
        a.Store.SetCursor("notes", "100");
        a.Store.SetItem("notes", new StoredItem("n-1", 80, false, """{"t":"older than the delete"}"""));
        a.Store.SetItem("notes", new StoredItem("n-2", 95, false, """{"t":"newer than the delete"}"""));
        b.Store.SetCursor("notes", "100");
        b.Store.SetItem("notes", new StoredItem("n-1", 90, true, null));
        b.Store.SetItem("notes", new StoredItem("n-2", 90, true, null));

        // A comes back first and hands both copies back: they get epoch-1 versions, above anything B holds.
        await a.SyncAsync();
        Assert.Equal(1, a.Statistics.ServerBehind);
        Assert.True(a.Get("notes", "n-1")!.Version > Epoch1);

        var conflicts = new List<SyncConflict>();
        b.OnConflict = x =>
        {
            conflicts.Add(x);
            return ConflictResolution.KeepServer;
        };
        var holds = new List<MassDeleteHold>();
        b.MassDeleteHeld += holds.Add;
        await b.SyncAsync();
        Assert.Equal(1, b.Statistics.EpochChanged);

        // n-1: A's copy (80) predates B's delete (90), so the delete goes out again, based on the copy's new version.
        // n-2: A's copy (95) is newer than the delete; the server's item stays and B is told of the conflict.
        var resent = Assert.Single(b.Pending("notes"));
        Assert.Equal((MutationOp.Delete, "n-1", a.Get("notes", "n-1")!.Version), (resent.Op, resent.ItemId, resent.BaseVersion));
        // A delete right after a resync is held for the user to confirm (the delete-after-resync guard); this one is meant.
        Assert.Equal("delete-after-resync", Assert.Single(holds).Reason);
        b.ConfirmMassDelete("notes");
        await b.SyncAsync();
        Assert.Empty(b.Pending("notes"));
        Assert.True(b.Get("notes", "n-1")!.Deleted);
        var conflict = Assert.Single(conflicts);
        Assert.Equal(("n-2", (long?)95), (conflict.Current!.ItemId, conflict.Current.HandedBackVersion));
        Assert.Equal("""{"t":"newer than the delete"}""", b.Get("notes", "n-2")!.Data);

        await a.SyncAsync();
        Assert.True(a.Get("notes", "n-1")!.Deleted);
        Assert.Equal("""{"t":"newer than the delete"}""", a.Get("notes", "n-2")!.Data);
        Assert.Equal(a.Get("notes", "n-1")!.Version, b.Get("notes", "n-1")!.Version);
        Assert.Equal(
            a.Items("notes").Select(i => (i.ItemId, i.Version, i.Data)),
            b.Items("notes").Select(i => (i.ItemId, i.Version, i.Data)));
    }

    [Fact]
    public async Task A_delete_the_server_lost_still_wins_when_an_older_copy_is_handed_back_while_the_user_confirms_it()
    {
        // Found by the everything-wiped fault case (there between a device's pull and its push; here the window is the
        // user's confirmation, which can take minutes): B pulls after the loss and resends its delete against the copy
        // the server kept; before B's user confirms it, A hands back an older copy of its own.
        var (a, b) = await TwoDevicesSharingAsync("confirm", "notes", "n-1", """{"t":"one"}""");
        var kept = b.Get("notes", "n-1")!.Version;

        // Both saw history the server lost: A holds a copy of n-1 at 80; B deleted n-1 at 90.
        a.Store.SetCursor("notes", "100");
        a.Store.SetItem("notes", new StoredItem("n-1", 80, false, """{"t":"older than the delete"}"""));
        b.Store.SetCursor("notes", "100");
        b.Store.SetItem("notes", new StoredItem("n-1", 90, true, null));

        var holds = new List<MassDeleteHold>();
        b.MassDeleteHeld += holds.Add;
        var conflicts = new List<SyncConflict>();
        b.OnConflict = x =>
        {
            conflicts.Add(x);
            return ConflictResolution.KeepServer;
        };
        await b.SyncAsync();
        Assert.Equal(1, b.Statistics.ServerBehind);
        Assert.Equal("delete-after-resync", Assert.Single(holds).Reason);
        Assert.Equal((MutationOp.Delete, kept), Assert.Single(b.Pending("notes")) is var held ? (held.Op, held.BaseVersion) : default);

        // Meanwhile A comes back and hands back its older copy: a new version, handed back at 80.
        await a.SyncAsync();
        var copy = a.Get("notes", "n-1")!;
        Assert.False(copy.Deleted);
        Assert.True(copy.Version > kept);

        // B's user confirms. The delete meets A's copy (a conflict: it was based on the version the pull showed), which
        // predates it (80 <= 90): it goes again against the copy, under the same confirmation, and is applied.
        b.ConfirmMassDelete("notes");
        await b.SyncAsync();
        Assert.Empty(b.Pending("notes"));
        Assert.Single(holds);
        Assert.Empty(conflicts);
        Assert.Equal(1, b.Statistics.LostDeletesResentAfterConflict);
        Assert.True(b.Get("notes", "n-1")!.Deleted);

        await a.SyncAsync();
        Assert.True(a.Get("notes", "n-1")!.Deleted);
        Assert.Equal(a.Get("notes", "n-1")!.Version, b.Get("notes", "n-1")!.Version);
    }

    [Fact]
    public async Task A_reset_device_registers_again_and_recovers_everything_from_the_server()
    {
        var account = await NewAccountAsync("reset");
        var a = await NewDeviceAsync(account, "a");
        for (var i = 0; i < 5; i++)
        {
            a.Put("notes", $"n-{i}", $$"""{"i":{{i}}}""");
            a.Put("tasks", $"t-{i}", $$"""{"i":{{i}}}""");
        }

        a.Delete("notes", "n-0");
        await a.SyncAsync();

        var fresh = await NewDeviceAsync(account, "a-reinstalled");
        fresh.Track("notes");
        fresh.Track("tasks");
        await fresh.SyncAsync();
        foreach (var collection in new[] { "notes", "tasks" })
        {
            Assert.Equal(
                a.Store.GetItems(collection).Select(i => (i.ItemId, i.Version, i.Deleted, i.Data)),
                fresh.Store.GetItems(collection).Select(i => (i.ItemId, i.Version, i.Deleted, i.Data)));
        }

        fresh.Put("notes", "n-1", """{"i":"edited after reset"}""");
        await fresh.SyncAsync();
        await a.SyncAsync();
        Assert.Equal("""{"i":"edited after reset"}""", a.Get("notes", "n-1")!.Data);
    }

    [Fact]
    public async Task Devices_are_listed_and_a_revoked_device_gets_unauthorized()
    {
        var account = await NewAccountAsync("devices");
        var a = await NewDeviceAsync(account, "a");
        var b = await NewDeviceAsync(account, "b");
        Assert.Equal([a.DeviceId, b.DeviceId], (await a.Connection.ListDevicesAsync()).Select(d => d.DeviceId));

        await a.Connection.RevokeDeviceAsync(b.DeviceId);
        Assert.Equal([a.DeviceId], (await a.Connection.ListDevicesAsync()).Select(d => d.DeviceId));
        var error = await Assert.ThrowsAsync<SyncProtocolException>(() => b.Connection.ListDevicesAsync());
        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), (error.Status, error.Code));

        var again = await Assert.ThrowsAsync<SyncProtocolException>(() => NewClient().CreateAccountAsync(account, Password));
        Assert.Equal((HttpStatusCode.Conflict, "account-exists"), (again.Status, again.Code));
    }
}
