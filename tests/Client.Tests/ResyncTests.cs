using DeviceSync.Client.Tests.Support;
using DeviceSync.Testing;
using static DeviceSync.Client.Tests.Support.FakeGateway;

namespace DeviceSync.Client.Tests;

/// <summary>Protocol section 7 against a scripted gateway: what the device hands back, keeps and deletes.</summary>
public sealed class ResyncTests
{
    private const long E1 = 1L << 40;

    [Fact]
    public async Task Server_behind_restores_what_the_server_lost_pulls_from_null_and_then_resolves_held_back_deletes()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "contacts");
            switch (calls++)
            {
                case 0:
                    Assert.Equal("44", Cursor(c));
                    Assert.Equal([(1L, "put", "c-4", (long?)0)], Mutations(c));
                    return Answer("contacts", $$"""{"id":1,"status":"applied","version":{{E1 + 1}}}""", cursor: null,
                        resync: """{"reason":"server-behind","safeVersion":30}""");
                case 1:
                    Assert.Null(Cursor(c));
                    Assert.Equal([(2L, "restore", "c-1", (long?)40), (3L, "restore", "c-2", (long?)44)], Mutations(c));
                    return Answer(
                        "contacts",
                        $$"""{"id":2,"status":"applied","version":{{E1 + 2}}},{"id":3,"status":"applied","version":{{E1 + 3}}}""",
                        string.Join(',', Item("c-3", 12, """{"name":"Bo"}"""), Item("t-1", 20, """{"name":"old"}"""), Item("c-5", 30, """{"name":"Eve"}"""),
                            Item("c-4", E1 + 1, """{"name":"Fay"}"""), Item("c-1", E1 + 2, """{"name":"Ann"}"""), Item("c-2", E1 + 3, """{"name":"Dee"}""")),
                        (E1 + 3).ToString(System.Globalization.CultureInfo.InvariantCulture));
                default:
                    // The deletes of versions the server lost: t-1 it still holds at 20 (<= 30), t-2 it never had.
                    var m = Mutations(c);
                    Assert.Equal([("delete", "t-1", (long?)20), ("delete", "t-2", (long?)0)], m.Select(x => (x.Op, x.ItemId, x.Version)));
                    Assert.True(m[0].Id > 3 && m[1].Id > m[0].Id);
                    return Answer(
                        "contacts",
                        $$"""{"id":{{m[0].Id}},"status":"applied","version":{{E1 + 4}}},{"id":{{m[1].Id}},"status":"applied","version":{{E1 + 5}}}""",
                        string.Join(',', Item("t-1", E1 + 4, null), Item("t-2", E1 + 5, null)),
                        (E1 + 5).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });
        var store = new InMemoryDeviceStore();
        store.SetCursor("contacts", "44");
        store.SetItem("contacts", new StoredItem("c-1", 40, false, """{"name":"Ann"}"""));
        store.SetItem("contacts", new StoredItem("c-2", 44, false, """{"name":"Dee"}"""));
        store.SetItem("contacts", new StoredItem("c-3", 12, false, """{"name":"Bo"}"""));
        store.SetItem("contacts", new StoredItem("c-5", 30, false, """{"name":"Eve"}"""));
        store.SetItem("contacts", new StoredItem("t-1", 42, true, null));
        store.SetItem("contacts", new StoredItem("t-2", 43, true, null));
        var device = NewDevice(handler, store);
        var events = new List<ResyncEvent>();
        device.Resync += events.Add;
        device.Put("contacts", "c-4", """{"name":"Fay"}""");

        await device.SyncAsync();

        Assert.Equal(3, calls);
        Assert.Equal([false, true], events.Select(e => e.Completed));
        Assert.Equal(["c-1", "c-2", "c-3", "c-4", "c-5"], device.Items("contacts").Select(i => i.ItemId));
        Assert.True(device.Get("contacts", "t-1")!.Deleted);
        Assert.True(device.Get("contacts", "t-2")!.Deleted);
        Assert.Equal((E1 + 5).ToString(System.Globalization.CultureInfo.InvariantCulture), device.Store.GetCursor("contacts"));
        Assert.Equal((1L, 2L), (device.Statistics.ServerBehind, device.Statistics.Restores));
    }

    [Fact]
    public async Task Epoch_changed_sends_edits_based_on_kept_versions_as_puts_and_a_restore_conflict_keeps_the_servers_copy()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "notes");
            switch (calls++)
            {
                case 0:
                    // The edit of n-1 (based on 5) is in this request, processed before the resync.
                    Assert.Equal([(1L, "put", "n-1", (long?)5)], Mutations(c));
                    return Answer("notes", """{"id":1,"status":"applied","version":1099511627790}""", cursor: null,
                        resync: """{"reason":"epoch-changed","safeVersion":10}""");
                case 1:
                    Assert.Equal([(2L, "restore", "n-2", (long?)15)], Mutations(c));
                    return Answer(
                        "notes",
                        $$"""{"id":2,"status":"conflict","current":{{Item("n-2", E1 + 7, """{"v":"restored by another device"}""")}}}""",
                        string.Join(',', Item("n-2", E1 + 7, """{"v":"restored by another device"}"""), Item("n-1", E1 + 14, """{"v":"edited"}""")),
                        "1099511627790");
                default:
                    throw new InvalidOperationException("no third request expected");
            }
        });
        var store = new InMemoryDeviceStore();
        store.SetCursor("notes", "15");
        store.SetItem("notes", new StoredItem("n-1", 5, false, """{"v":"base"}"""));
        store.SetItem("notes", new StoredItem("n-2", 15, false, """{"v":"mine"}"""));
        var device = NewDevice(handler, store);
        var conflicts = new List<SyncConflict>();
        device.OnConflict = c =>
        {
            conflicts.Add(c);
            return ConflictResolution.KeepServer;
        };
        device.Put("notes", "n-1", """{"v":"edited"}""");

        await device.SyncAsync();

        Assert.Equal(2, calls);
        Assert.Equal(MutationOp.Restore, Assert.Single(conflicts).Mine.Op);
        Assert.Equal("""{"v":"restored by another device"}""", device.Get("notes", "n-2")!.Data);
        Assert.Equal(new StoredItem("n-1", E1 + 14, false, """{"v":"edited"}"""), device.Get("notes", "n-1"));
        Assert.Equal(1, device.Statistics.EpochChanged);
    }

    [Fact]
    public async Task An_edit_that_loses_to_an_older_record_in_an_epoch_changed_answer_hands_the_lost_copy_back()
    {
        // The device wrote t-1 and was told "stored at E1 + 9"; a restore then dropped that version (safe: E1 + 3). Its
        // next edit of t-1 (based on E1 + 9) meets the restored record at 51: a conflict, in the same answer as the
        // epoch-changed. The restored record must not overwrite the copy the server lost: it goes back as a restore.
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "tasks");
            switch (calls++)
            {
                case 0:
                    Assert.Equal([(1L, "put", "t-1", (long?)(E1 + 9))], Mutations(c));
                    return Answer("tasks", $$"""{"id":1,"status":"conflict","current":{{Item("t-1", 51, """{"v":"restored"}""")}}}""",
                        cursor: null, resync: $$"""{"reason":"epoch-changed","safeVersion":{{E1 + 3}}}""");
                case 1:
                    Assert.Null(Cursor(c));
                    Assert.Equal([(2L, "restore", "t-1", (long?)(E1 + 9))], Mutations(c));
                    return Answer("tasks", $$"""{"id":2,"status":"applied","version":{{2 * E1 + 1}}}""",
                        Item("t-1", 2 * E1 + 1, """{"v":"acknowledged"}"""), (2 * E1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                default:
                    throw new InvalidOperationException("no third request expected");
            }
        });
        var store = new InMemoryDeviceStore();
        store.SetCursor("tasks", (E1 + 9).ToString(System.Globalization.CultureInfo.InvariantCulture));
        store.SetItem("tasks", new StoredItem("t-1", E1 + 9, false, """{"v":"acknowledged"}"""));
        var device = NewDevice(handler, store);
        device.Put("tasks", "t-1", """{"v":"edited"}""");

        await device.SyncAsync();

        Assert.Equal(2, calls);
        Assert.Equal(new StoredItem("t-1", 2 * E1 + 1, false, """{"v":"acknowledged"}"""), device.Get("tasks", "t-1"));
        Assert.Equal((1L, 1L), (device.Statistics.EpochChanged, device.Statistics.Restores));
    }

    [Fact]
    public async Task A_pull_from_null_that_lists_an_older_copy_than_the_device_holds_hands_the_copy_back()
    {
        // server-behind applied the device's put of t-1 at E1 + 1; a restore then cut below it before the device's pull
        // from null (always served), which lists the restored t-1 at 19 and t-2 live at 20 although the device holds its
        // delete at E1 + 2. Versions only grow: the device's copies are what the server lost, and they go back.
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "tasks");
            switch (calls++)
            {
                case 0:
                    return Answer("tasks", $$"""{"id":1,"status":"applied","version":{{E1 + 1}}}""", cursor: null,
                        resync: """{"reason":"server-behind","safeVersion":25}""");
                case 1:
                    Assert.Null(Cursor(c));
                    return Answer("tasks", changes: string.Join(',', Item("t-1", 19, """{"v":"restored"}"""), Item("t-2", 20, """{"v":"old"}""")), cursor: "20");
                case 2:
                    var m = Mutations(c);
                    Assert.Equal([("restore", "t-1", (long?)(E1 + 1)), ("delete", "t-2", (long?)20)], m.Select(x => (x.Op, x.ItemId, x.Version)));
                    return Answer("tasks",
                        $$"""{"id":{{m[0].Id}},"status":"applied","version":{{2 * E1 + 1}}},{"id":{{m[1].Id}},"status":"applied","version":{{2 * E1 + 2}}}""",
                        string.Join(',', Item("t-1", 2 * E1 + 1, """{"v":"acknowledged"}"""), Item("t-2", 2 * E1 + 2, null)),
                        (2 * E1 + 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
                default:
                    throw new InvalidOperationException("no fourth request expected");
            }
        });
        var store = new InMemoryDeviceStore();
        store.SetCursor("tasks", "30");
        store.SetItem("tasks", new StoredItem("t-1", 10, false, """{"v":"base"}"""));
        store.SetItem("tasks", new StoredItem("t-2", E1 + 2, true, null));
        var device = NewDevice(handler, store);
        device.Put("tasks", "t-1", """{"v":"acknowledged"}""");

        await device.SyncAsync();

        Assert.Equal(3, calls);
        Assert.Equal(new StoredItem("t-1", 2 * E1 + 1, false, """{"v":"acknowledged"}"""), device.Get("tasks", "t-1"));
        Assert.True(device.Get("tasks", "t-2")!.Deleted);
    }

    [Fact]
    public async Task A_held_back_delete_whose_epoch_has_nothing_left_is_resent_against_an_older_epochs_copy()
    {
        // The device's delete at E1 + 6 was dropped by a restore to an epoch-0 backup: safeVersion is 0 (nothing of
        // epoch 1 is left), and the restored copy at 38 predates the delete, so the delete goes again.
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "tasks");
            switch (calls++)
            {
                case 0:
                    return Answer("tasks", cursor: null, resync: """{"reason":"epoch-changed","safeVersion":0}""");
                case 1:
                    return Answer("tasks", changes: Item("t-1", 38, """{"v":"restored"}"""), cursor: "40");
                case 2:
                    var m = Assert.Single(Mutations(c));
                    Assert.Equal(("delete", "t-1", (long?)38), (m.Op, m.ItemId, m.Version));
                    return Answer("tasks", $$"""{"id":{{m.Id}},"status":"applied","version":{{2 * E1 + 1}}}""", Item("t-1", 2 * E1 + 1, null),
                        (2 * E1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                default:
                    throw new InvalidOperationException("no fourth request expected");
            }
        });
        var store = new InMemoryDeviceStore();
        store.SetCursor("tasks", (E1 + 9).ToString(System.Globalization.CultureInfo.InvariantCulture));
        store.SetItem("tasks", new StoredItem("t-1", E1 + 6, true, null));
        var device = NewDevice(handler, store);

        await device.SyncAsync();

        Assert.Equal(3, calls);
        Assert.True(device.Get("tasks", "t-1")!.Deleted);
        Assert.Equal(0, device.Statistics.Conflicts);
    }

    [Theory]
    [InlineData(38, true)] // the copy handed back meanwhile is older than the delete: the delete goes again, against it
    [InlineData(45, false)] // it is newer: the server's item stays, and the app hears of the conflict
    public async Task A_resent_held_back_delete_that_meets_a_copy_handed_back_after_the_pull_is_compared_with_that_copy(long handedBackAt, bool resentAgain)
    {
        // Found by the everything-wiped fault case: this device deleted t-1 at 40; after the loss its pull showed no t-1,
        // so it sent its delete with baseVersion 0, and another device's hand-back of an older copy landed in between.
        var copy = $$"""{"itemId":"t-1","version":{{E1 + 1}},"deleted":false,"data":{"v":"older"},"modifiedAt":"2026-03-02T09:15:04Z","modifiedBy":"other","handedBackVersion":{{handedBackAt}}}""";
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "tasks");
            switch (calls++)
            {
                case 0:
                    return Answer("tasks", cursor: null, resync: """{"reason":"epoch-changed","safeVersion":0}""");
                case 1:
                    return Answer("tasks", cursor: "0");
                case 2:
                    var first = Assert.Single(Mutations(c));
                    Assert.Equal(("delete", "t-1", (long?)0), (first.Op, first.ItemId, first.Version));
                    return Answer("tasks", $$"""{"id":{{first.Id}},"status":"conflict","current":{{copy}}}""", copy,
                        (E1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                case 3 when resentAgain:
                    var again = Assert.Single(Mutations(c));
                    Assert.Equal(("delete", "t-1", (long?)(E1 + 1)), (again.Op, again.ItemId, again.Version));
                    return Answer("tasks", $$"""{"id":{{again.Id}},"status":"applied","version":{{E1 + 2}}}""", Item("t-1", E1 + 2, null),
                        (E1 + 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
                default:
                    throw new InvalidOperationException($"no request {calls} expected");
            }
        });
        var store = new InMemoryDeviceStore();
        store.SetCursor("tasks", "44");
        store.SetItem("tasks", new StoredItem("t-1", 40, true, null));
        var device = NewDevice(handler, store);
        var conflicts = new List<SyncConflict>();
        device.OnConflict = c => { conflicts.Add(c); return ConflictResolution.KeepServer; };

        await device.SyncAsync();

        Assert.Equal(resentAgain ? 4 : 3, calls);
        Assert.Equal(resentAgain, device.Get("tasks", "t-1")!.Deleted);
        Assert.Equal(resentAgain ? 0 : 1, conflicts.Count);
    }

    [Fact]
    public async Task Cursor_expired_pulls_everything_deletes_only_what_was_synced_before_the_old_cursor_and_hands_back_the_rest()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "notes");
            switch (calls++)
            {
                case 0:
                    Assert.Equal("12", Cursor(c));
                    Assert.Equal([(1L, "put", "d", (long?)0)], Mutations(c));
                    return Answer("notes", """{"id":1,"status":"applied","version":13}""", cursor: null,
                        resync: """{"reason":"cursor-expired","safeVersion":8}""");
                case 1:
                    Assert.Null(Cursor(c));
                    Assert.Empty(Mutations(c));
                    return Answer("notes", "", string.Join(',', Item("a", 3, """{"n":"a"}"""), Item("c", 12, """{"n":"c"}""")), "12", hasMore: true);
                case 2:
                    Assert.Equal("12", Cursor(c));
                    return Answer("notes", "", Item("d", 13, """{"n":"d"}"""), "13");
                default:
                    // e (version 20, above the old cursor) is not proven deleted: handed back.
                    Assert.Equal([(2L, "restore", "e", (long?)20)], Mutations(c));
                    return Answer("notes", """{"id":2,"status":"applied","version":14}""", Item("e", 14, """{"n":"e"}"""), "14");
            }
        });
        var store = new InMemoryDeviceStore();
        store.SetCursor("notes", "12");
        store.SetItem("notes", new StoredItem("a", 3, false, """{"n":"a"}"""));
        store.SetItem("notes", new StoredItem("b", 5, false, """{"n":"b"}"""));
        store.SetItem("notes", new StoredItem("c", 12, false, """{"n":"c"}"""));
        store.SetItem("notes", new StoredItem("e", 20, false, """{"n":"e"}"""));
        var device = NewDevice(handler, store, new DeviceOptions { PullLimit = 2 });
        device.Put("notes", "d", """{"n":"d"}""");

        await device.SyncAsync();

        Assert.Equal(4, calls);
        Assert.Null(device.Get("notes", "b"));
        Assert.Equal(["a", "c", "d", "e"], device.Items("notes").Select(i => i.ItemId));
        Assert.Equal(14, device.Get("notes", "e")!.Version);
        Assert.Equal("14", device.Store.GetCursor("notes"));
        Assert.Equal((1L, 1L, 1L), (device.Statistics.CursorExpired, device.Statistics.LocalDeletesAfterExpiry, device.Statistics.Restores));
    }

    [Fact]
    public async Task A_device_restarted_during_a_resync_resolves_its_held_back_deletes_with_a_fresh_pull()
    {
        var store = new InMemoryDeviceStore();
        store.SetCursor("notes", "9");
        store.SetItem("notes", new StoredItem("t", 8, true, null));
        var first = NewDevice(new ScriptedHandler((_, body) => Cursor(Collection(body, "notes")) is null
            ? ScriptedHandler.Problem(System.Net.HttpStatusCode.BadRequest, "invalid-request")
            : Answer("notes", cursor: null, resync: """{"reason":"server-behind","safeVersion":5}""")), store);
        await Assert.ThrowsAsync<SyncProtocolException>(() => first.SyncAsync());
        Assert.True(Assert.Single(store.GetPending("notes")).HeldBack);

        // A new Device on the same store (the process restarted): the server still holds t at 4 (<= 5).
        var calls = 0;
        var second = NewDevice(new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "notes");
            return calls++ switch
            {
                0 => Answer("notes", "", Item("t", 4, """{"old":1}"""), "4"),
                _ => Answer("notes", $$"""{"id":{{Mutations(c).Single(m => m is { Op: "delete", ItemId: "t", Version: 4 }).Id}},"status":"applied","version":10}""",
                    Item("t", 10, null), "10"),
            };
        }), store);
        await second.SyncAsync();

        Assert.Equal(2, calls);
        Assert.Equal(new StoredItem("t", 10, true, null), second.Get("notes", "t"));
        Assert.Empty(second.Pending("notes"));
    }

    [Fact]
    public async Task An_empty_pull_after_server_behind_deletes_nothing()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var c = Collection(body, "notes");
            var m = Mutations(c);
            return calls++ switch
            {
                0 => Answer("notes", cursor: null, resync: """{"reason":"server-behind","safeVersion":0}"""),
                1 => Answer(
                    "notes",
                    string.Join(',', m.Select(x => $$"""{"id":{{x.Id}},"status":"applied","version":{{x.Id}}}""")),
                    string.Join(',', m.Select(x => Item(x.ItemId, x.Id, """{"n":"restored"}"""))),
                    cursor: "2"),
                _ => throw new InvalidOperationException(),
            };
        });
        var store = new InMemoryDeviceStore();
        store.SetCursor("notes", "9");
        store.SetItem("notes", new StoredItem("a", 4, false, """{"n":"a"}"""));
        store.SetItem("notes", new StoredItem("b", 9, false, """{"n":"b"}"""));
        var device = NewDevice(handler, store);

        await device.SyncAsync();

        Assert.Equal(2, calls);
        Assert.Equal(["restore", "restore"], Mutations(Collection(System.Text.Json.JsonDocument.Parse(handler.Bodies[1]).RootElement, "notes")).Select(m => m.Op));
        Assert.Equal([("a", 1L), ("b", 2L)], device.Items("notes").Select(i => (i.ItemId, i.Version)));
    }
}
