using DeviceSync.Client.Tests.Support;
using DeviceSync.Testing;
using static DeviceSync.Client.Tests.Support.FakeGateway;

namespace DeviceSync.Client.Tests;

/// <summary>How the device applies results and changes, against a scripted gateway.</summary>
public sealed class MergeRuleTests
{
    [Fact]
    public async Task A_pulled_change_never_overwrites_a_pending_edit_which_is_rebased_on_its_predecessor_and_then_conflicts()
    {
        Device? device = null;
        var calls = 0;
        var handler = new ScriptedHandler((_, body) =>
        {
            var notes = Collection(body, "notes");
            switch (calls++)
            {
                case 0:
                    Assert.Equal([(1L, "put", "y", (long?)0)], Mutations(notes));

                    // An edit made while the request is in flight: queued behind the one being sent.
                    device!.Put("notes", "y", """{"v":2}""");
                    return Answer("notes", """{"id":1,"status":"applied","version":3}""", Item("y", 4, """{"v":"other"}"""), "4");
                default:
                    Assert.Equal([(2L, "put", "y", (long?)3)], Mutations(notes));
                    Assert.Equal("4", Cursor(notes));
                    return Answer("notes", $$"""{"id":2,"status":"conflict","current":{{Item("y", 4, """{"v":"other"}""")}}}""", cursor: "4");
            }
        });
        device = NewDevice(handler);
        var conflicts = new List<SyncConflict>();
        device.OnConflict = c =>
        {
            conflicts.Add(c);

            // Between the two requests the pending edit was kept over the pulled change.
            return ConflictResolution.KeepServer;
        };
        device.Put("notes", "y", """{"v":1}""");

        await device.SyncAsync();

        Assert.Equal(2, calls);
        var conflict = Assert.Single(conflicts);
        Assert.Equal(("""{"v":2}""", """{"v":"other"}"""), (conflict.Mine.Data, conflict.Current!.Data));
        Assert.Equal(new StoredItem("y", 4, false, """{"v":"other"}"""), device.Get("notes", "y"));
        Assert.Empty(device.Pending("notes"));
    }

    [Fact]
    public async Task A_pulled_change_leaves_a_pending_edit_alone_and_an_applied_predecessor_rebases_it()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, body) => calls++ == 0
            ? Answer("notes", """{"id":1,"status":"applied","version":3}""", Item("y", 4, """{"v":"other"}"""), "4")
            : ScriptedHandler.Problem(System.Net.HttpStatusCode.BadRequest, "invalid-request"));
        var device = NewDevice(handler);
        device.Put("notes", "y", """{"v":1}""");

        // A second edit of y that may be in flight already (so not merged): it waits for the next request.
        device.Store.SetPending("notes", new PendingMutation(99, MutationOp.Put, "y", 0, """{"v":2}""", Sent: true));
        device.Store.SetItem("notes", new StoredItem("y", 0, false, """{"v":2}"""));

        var error = await Assert.ThrowsAsync<SyncProtocolException>(() => device.SyncAsync());

        Assert.Equal("invalid-request", error.Code);
        Assert.Equal([(1L, "put", "y", (long?)0)], Mutations(Collection(System.Text.Json.JsonDocument.Parse(handler.Bodies[0]).RootElement, "notes")));
        Assert.Equal(new StoredItem("y", 3, false, """{"v":2}"""), device.Get("notes", "y"));
        Assert.Equal([(99L, (long?)3)], device.Pending("notes").Select(p => (p.Id, p.BaseVersion)));
        Assert.Equal("4", device.Store.GetCursor("notes"));
    }

    [Fact]
    public async Task A_duplicate_that_was_this_devices_own_write_rebases_the_edits_queued_behind_it()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, body) => calls++ == 0
            ? Answer("notes", """{"id":1,"status":"duplicate","version":3}""",
                """{"itemId":"y","version":3,"deleted":false,"data":{"v":1},"modifiedAt":"2026-03-02T09:15:04Z","modifiedBy":"dev-1"}""", "3")
            : ScriptedHandler.Problem(System.Net.HttpStatusCode.BadRequest, "invalid-request"));
        var device = NewDevice(handler);
        device.Put("notes", "y", """{"v":1}""");
        device.Store.SetPending("notes", device.Pending("notes")[0] with { Sent = true });
        device.Put("notes", "y", """{"v":2}""");

        await Assert.ThrowsAsync<SyncProtocolException>(() => device.SyncAsync());

        Assert.Equal([(2L, (long?)3)], device.Pending("notes").Select(p => (p.Id, p.BaseVersion)));
        Assert.Equal(new StoredItem("y", 3, false, """{"v":2}"""), device.Get("notes", "y"));
    }

    [Fact]
    public async Task A_conflict_without_a_server_record_keeps_the_local_copy_and_a_duplicate_takes_the_servers_state()
    {
        var handler = new ScriptedHandler((_, body) =>
        {
            Assert.Equal([(1L, "put", "a", (long?)0), (2L, "put", "b", (long?)0)], Mutations(Collection(body, "notes")));
            return Answer(
                "notes",
                """{"id":1,"status":"conflict","current":null},{"id":2,"status":"duplicate","version":7}""",
                Item("b", 7, """{"from":"server"}"""),
                "7");
        });
        var device = NewDevice(handler);
        var conflicts = 0;
        device.OnConflict = c =>
        {
            conflicts++;
            Assert.Null(c.Current);
            return ConflictResolution.KeepServer;
        };
        device.Put("notes", "a", """{"mine":true}""");
        device.Put("notes", "b", """{"mine":true}""");

        await device.SyncAsync();

        Assert.Equal(1, conflicts);
        Assert.Equal(new StoredItem("a", 0, false, """{"mine":true}"""), device.Get("notes", "a"));
        Assert.Equal(new StoredItem("b", 7, false, """{"from":"server"}"""), device.Get("notes", "b"));
        Assert.Empty(device.Pending("notes"));
        Assert.Equal((1L, 1L), (device.Statistics.Conflicts, device.Statistics.Duplicates));
    }

    [Fact]
    public async Task KeepMine_reapplies_the_edit_on_top_of_the_servers_copy()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, body) => calls++ == 0
            ? Answer("notes", $$"""{"id":1,"status":"conflict","current":{{Item("a", 5, """{"theirs":1}""")}}}""", Item("a", 5, """{"theirs":1}"""), "5")
            : Answer("notes", """{"id":2,"status":"applied","version":6}""", cursor: "6"));
        var device = NewDevice(handler);
        device.OnConflict = _ => ConflictResolution.KeepMine;
        device.Put("notes", "a", """{"mine":1}""");

        await device.SyncAsync();

        Assert.Equal(2, calls);
        Assert.Equal([(2L, "put", "a", (long?)5)], Mutations(Collection(System.Text.Json.JsonDocument.Parse(handler.Bodies[1]).RootElement, "notes")));
        Assert.Equal(new StoredItem("a", 6, false, """{"mine":1}"""), device.Get("notes", "a"));
    }

    [Fact]
    public async Task Unsent_edits_of_one_item_are_merged_into_one_mutation_on_the_first_base()
    {
        var handler = new ScriptedHandler((_, body) =>
        {
            Assert.Equal([(2L, "put", "a", (long?)0), (3L, "delete", "b", (long?)0)], Mutations(Collection(body, "notes")));
            return Answer("notes", """{"id":2,"status":"applied","version":1},{"id":3,"status":"applied","version":2}""", cursor: "2");
        });
        var device = NewDevice(handler);
        device.Put("notes", "a", """{"n":1}""");
        device.Put("notes", "a", """{"n":2}""");
        device.Delete("notes", "b");

        await device.SyncAsync();

        Assert.Equal(new StoredItem("a", 1, false, """{"n":2}"""), device.Get("notes", "a"));
        Assert.Equal(new StoredItem("b", 2, true, null), device.Get("notes", "b"));
        Assert.Equal(3, device.Store.LastMutationId);
    }

    [Fact]
    public async Task Pushes_go_in_requests_of_at_most_16_collections_and_500_mutations_each_in_increasing_id_order()
    {
        var handler = new ScriptedHandler((_, body) =>
        {
            var collections = body!.Value.GetProperty("collections").EnumerateArray().ToList();
            var answers = collections.Select(c =>
            {
                var ms = Mutations(c);
                Assert.True(ms.Count <= 500);
                Assert.Equal(ms.Select(m => m.Id).Order(), ms.Select(m => m.Id));
                var results = string.Join(',', ms.Select(m => $$"""{"id":{{m.Id}},"status":"applied","version":{{m.Id}}}"""));
                return $$"""{"name":"{{c.GetProperty("name").GetString()}}","results":[{{results}}],"changes":[],"cursor":"1","hasMore":false,"resync":null}""";
            });
            return ScriptedHandler.Json($$"""{"collections":[{{string.Join(',', answers)}}]}""");
        });
        var device = NewDevice(handler);
        for (var i = 0; i < 1100; i++)
        {
            device.Put("c00", "i-" + i, "{}");
        }

        for (var c = 1; c < 20; c++)
        {
            device.Put($"c{c:D2}", "i", "{}");
        }

        await device.SyncAsync();

        var requests = handler.Bodies.Select(b => System.Text.Json.JsonDocument.Parse(b).RootElement.GetProperty("collections").EnumerateArray().ToList()).ToList();
        Assert.Equal([16, 5, 1], requests.Select(r => r.Count));
        Assert.Equal(1119, requests.Sum(r => r.Sum(c => c.GetProperty("mutations").GetArrayLength())));
        Assert.All(device.Store.Collections, c => Assert.Empty(device.Pending(c)));
    }

    [Fact]
    public async Task Large_items_are_spread_over_requests_that_stay_under_the_body_limit()
    {
        var handler = new ScriptedHandler((_, body) =>
        {
            var ms = Mutations(Collection(body, "photos"));
            var results = string.Join(',', ms.Select(m => $$"""{"id":{{m.Id}},"status":"applied","version":{{m.Id}}}"""));
            return Answer("photos", results, cursor: "1");
        });
        var device = NewDevice(handler);
        var big = "{\"b\":\"" + new string('x', 200_000) + "\"}";
        for (var i = 0; i < 40; i++)
        {
            device.Put("photos", "p-" + i, big);
        }

        await device.SyncAsync();

        Assert.True(handler.Bodies.Count >= 3);
        Assert.All(handler.Bodies, b => Assert.True(System.Text.Encoding.UTF8.GetByteCount(b) < 4 * 1024 * 1024));
        Assert.Empty(device.Pending("photos"));
    }

    [Fact]
    public void Item_data_must_be_one_json_object()
    {
        var device = NewDevice(new ScriptedHandler((_, _) => throw new InvalidOperationException()));
        Assert.Throws<ArgumentException>(() => device.Put("notes", "a", "[1]"));
        Assert.Throws<ArgumentException>(() => device.Put("notes", "a", """{"a":1} {}"""));
        Assert.Throws<ArgumentException>(() => device.Put("notes", "a", "{\"s\":\"" + new string('x', Device.MaxDataBytes) + "\"}"));
        Assert.Throws<ArgumentException>(() => device.Put("Notes", "a", "{}"));
        Assert.Throws<ArgumentException>(() => device.Delete("notes", "a/b"));
        Assert.Empty(device.Pending("notes"));
    }

    [Fact]
    public async Task Concurrent_SyncAsync_calls_are_serialized()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        var handler = new ScriptedHandler((_, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            maxInFlight = Math.Max(maxInFlight, now);
            Thread.Sleep(20);
            Interlocked.Decrement(ref inFlight);
            return Answer("notes", cursor: "0");
        });
        var device = NewDevice(handler);
        device.Track("notes");

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => device.SyncAsync())));

        Assert.Equal(1, maxInFlight);
        Assert.Equal(5, handler.Bodies.Count);
    }
}
