using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;
using DeviceSync.LoadTest.Run;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Tests;

/// <summary>
/// A simulated device told to resync hands its data back as docs/protocol.md section 7 says, against a scripted
/// gateway (a real cluster only answers resync after a loss; the end-to-end cases are FaultMatrixTests).
/// </summary>
public sealed class DeviceHandBackTests
{
    private const long Epoch1 = 1L << 40;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Epoch_changed_restores_what_the_server_lost_pulls_from_null_and_resends_a_delete_it_lost(bool expectDataLoss)
    {
        await using var gateway = new ScriptedGateway(
        [
            (200, Answer("[]", "[]", cursor: null, resync: """{"reason":"epoch-changed","safeVersion":10}""")),
            (200, Answer(
                $$"""[{"id":1,"status":"applied","version":{{Epoch1 + 1}}}]""",
                $$"""[{{Item("a", 5, "d0-m1")}},{{Item("c", 8, "d0-m2")}},{{Item("b", Epoch1 + 1, "d0-m3")}}]""",
                cursor: (Epoch1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            (200, Answer(
                $$"""[{"id":2,"status":"applied","version":{{Epoch1 + 2}}}]""",
                $$"""[{"itemId":"c","version":{{Epoch1 + 2}},"deleted":true}]""",
                cursor: (Epoch1 + 2).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        ]);
        var (device, context) = Create(gateway.Address, expectDataLoss);
        device.Hold("a", new LocalItem(5, false, Data("d0-m1")), cursor: "14");
        device.Hold("b", new LocalItem(12, false, Data("d0-m3")), cursor: "14");
        device.Hold("c", new LocalItem(14, true, null), cursor: "14");

        Assert.True(await device.RunAsync(OperationKind.NoChange, context, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Equal(3, gateway.Bodies.Count);
        Assert.Contains("\"cursor\":\"14\"", gateway.Bodies[0], StringComparison.Ordinal);

        // Round 2: b (12 > safe 10) handed back with its version; a (5) the server still has; c's delete is held.
        Assert.Contains("\"cursor\":null", gateway.Bodies[1], StringComparison.Ordinal);
        Assert.Contains("\"id\":1,\"op\":\"restore\",\"itemId\":\"b\",\"version\":12", gateway.Bodies[1], StringComparison.Ordinal);
        Assert.DoesNotContain("\"itemId\":\"a\"", gateway.Bodies[1], StringComparison.Ordinal);
        Assert.DoesNotContain("\"itemId\":\"c\"", gateway.Bodies[1], StringComparison.Ordinal);

        // Round 3: the server kept c at 8 (at or below safe) and lost the delete: it goes again, based on 8.
        Assert.Contains("\"id\":2,\"op\":\"delete\",\"itemId\":\"c\",\"baseVersion\":8", gateway.Bodies[2], StringComparison.Ordinal);

        Assert.Equal(1, context.Metrics.ResyncsByReason["epoch-changed"]);
        Assert.Equal(1, context.Metrics.HandBacks["restore-applied"]);
        Assert.Equal(1, context.Metrics.HandBacks["held-delete-resent"]);
        Assert.Equal((Epoch1 + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), device.Cursor);
        Assert.Equal(Epoch1 + 1, device.Items["b"].Version);
        Assert.True(device.Items["c"].Deleted);
        Assert.Equal(Epoch1 + 1, device.Ledger.Acknowledged["b"].Version);
        Assert.Equal(expectDataLoss ? 0 : 1, context.Violations.Counts.GetValueOrDefault("unexpected-resync"));
    }

    [Fact]
    public async Task A_delete_changed_by_another_device_after_the_loss_keeps_the_servers_item()
    {
        await using var gateway = new ScriptedGateway(
        [
            (200, Answer("[]", "[]", cursor: null, resync: """{"reason":"server-behind","safeVersion":10}""")),
            (200, Answer("[]", $$"""[{{Item("c", Epoch1 + 1, "d1-m4")}}]""", cursor: (Epoch1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        ]);
        var (device, context) = Create(gateway.Address, expectDataLoss: true);
        device.Hold("c", new LocalItem(14, true, null), cursor: "14");

        Assert.True(await device.RunAsync(OperationKind.NoChange, context, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Equal(2, gateway.Bodies.Count);
        Assert.Equal(1, context.Metrics.HandBacks["held-delete-superseded"]);
        Assert.Equal(Epoch1 + 1, device.Items["c"].Version);
        Assert.False(device.Items["c"].Deleted);
    }

    [Fact]
    public async Task An_edit_that_loses_to_an_older_record_in_an_epoch_changed_answer_hands_the_lost_copy_back()
    {
        // Found by the two-replicas-wiped fault case: the device's acknowledged write of "a" at Epoch1 + 9 was dropped by a
        // restore (safe: Epoch1 + 3); its next edit met the restored record at 51 and lost, in the epoch-changed answer.
        await using var gateway = new ScriptedGateway(
        [
            (200, Answer($$"""[{"id":1,"status":"conflict","current":{{Item("a", 51, "d0-m0")}}}]""", "[]", cursor: null,
                resync: $$"""{"reason":"epoch-changed","safeVersion":{{Epoch1 + 3}}}""")),
            (200, Answer(
                $$"""[{"id":2,"status":"applied","version":{{2 * Epoch1 + 1}}}]""",
                $$"""[{{Item("a", 2 * Epoch1 + 1, "d0-m1")}}]""",
                cursor: (2 * Epoch1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        ]);
        var (device, context) = Create(gateway.Address, expectDataLoss: true);
        device.Hold("a", new LocalItem(Epoch1 + 9, false, Data("d0-m1")), cursor: (Epoch1 + 9).ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(await device.RunAsync(OperationKind.Edit, context, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Equal(2, gateway.Bodies.Count);
        Assert.Contains($$"""
            "op":"restore","itemId":"a","version":{{Epoch1 + 9}}
            """.Trim(), gateway.Bodies[1], StringComparison.Ordinal);
        Assert.Equal(1, context.Metrics.HandBacks["restore-applied"]);
        Assert.Equal(2 * Epoch1 + 1, device.Items["a"].Version);
    }

    [Fact]
    public async Task A_pull_from_null_that_lists_an_older_copy_than_the_device_holds_hands_the_copy_back()
    {
        // Found by the two-replicas-wiped fault case: server-behind applied the device's put at Epoch1 + 1; a restore then
        // cut below it before the device's pull from null, which the server serves (a null cursor is always served)
        // with the restored record at 19. Versions only grow: the device's copy is what the server lost.
        await using var gateway = new ScriptedGateway(
        [
            (200, Answer($$"""[{"id":1,"status":"applied","version":{{Epoch1 + 1}}}]""", "[]", cursor: null,
                resync: """{"reason":"server-behind","safeVersion":25}""")),
            (200, Answer("[]", $$"""[{{Item("a", 19, "d0-m0")}}]""", cursor: "19")),
            (200, Answer(
                $$"""[{"id":2,"status":"applied","version":{{2 * Epoch1 + 1}}}]""",
                $$"""[{{Item("a", 2 * Epoch1 + 1, "d0-m1")}}]""",
                cursor: (2 * Epoch1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        ]);
        var (device, context) = Create(gateway.Address, expectDataLoss: true);
        device.Hold("a", new LocalItem(10, false, Data("d0-m0")), cursor: "30");

        Assert.True(await device.RunAsync(OperationKind.Edit, context, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Equal(3, gateway.Bodies.Count);
        Assert.Contains($$"""
            "op":"restore","itemId":"a","version":{{Epoch1 + 1}}
            """.Trim(), gateway.Bodies[2], StringComparison.Ordinal);
        Assert.Equal(1, context.Metrics.HandBacks["restore-regressed"]);
        Assert.Equal(2 * Epoch1 + 1, device.Items["a"].Version);
    }

    [Theory]
    [InlineData(80, true)] // the copy another device handed back first is older than the delete: the delete goes again
    [InlineData(95, false)] // it is newer: the server's item stays
    public async Task A_held_delete_is_compared_with_the_version_a_copy_was_handed_back_at_not_its_new_version(long handedBackAt, bool resent)
    {
        // Found by the everything-wiped fault case: after the loss another device handed back its copy of "a" (held at 80)
        // before this device, which had deleted "a" at 90, came back; the copy's new version is above 90 but it is older.
        var listed = (Epoch1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var copy = $$"""{"itemId":"a","version":{{listed}},"deleted":false,"data":{"title":"t","tag":"d1-m7","body":"x"},"handedBackVersion":{{handedBackAt}}}""";
        List<(int Status, string? Body)> answers =
        [
            (200, Answer("[]", "[]", cursor: null, resync: """{"reason":"epoch-changed","safeVersion":0}""")),
            (200, Answer("[]", $"[{copy}]", cursor: listed)),
        ];
        if (resent)
        {
            answers.Add(DeleteOfAApplied(id: 1));
        }

        var (device, context, bodies) = await RunHoldingADeletedAt90Async(answers);
        if (resent)
        {
            Assert.Contains($"\"op\":\"delete\",\"itemId\":\"a\",\"baseVersion\":{listed}", bodies[2], StringComparison.Ordinal);
            Assert.Equal(1, context.Metrics.HandBacks["held-delete-resent"]);
            Assert.True(device.Items["a"].Deleted);
        }
        else
        {
            Assert.Equal(1, context.Metrics.HandBacks["held-delete-superseded"]);
            Assert.False(device.Items["a"].Deleted);
        }
    }

    [Theory]
    [InlineData(80, true)] // the copy handed back meanwhile is older than the delete: the delete goes again, against it
    [InlineData(95, false)] // it is newer: the server's item stays
    public async Task A_resent_held_delete_that_meets_a_copy_handed_back_after_the_pull_is_compared_with_that_copy(long handedBackAt, bool resentAgain)
    {
        // Found by the everything-wiped fault case: this device (which deleted "a" at 90) pulled after the loss and saw no
        // "a", so it resent its delete with baseVersion 0; another device handed back its copy of "a" in between.
        var copyVersion = Epoch1 + 1;
        var copy = $$"""{"itemId":"a","version":{{copyVersion}},"deleted":false,"data":{"title":"t","tag":"d1-m7","body":"x"},"handedBackVersion":{{handedBackAt}}}""";
        var cursor = copyVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        List<(int Status, string? Body)> answers =
        [
            (200, Answer("[]", "[]", cursor: null, resync: """{"reason":"epoch-changed","safeVersion":0}""")),
            (200, Answer("[]", "[]", cursor: "0")),
            (200, Answer($$"""[{"id":1,"status":"conflict","current":{{copy}}}]""", $"[{copy}]", cursor: cursor)),
        ];
        if (resentAgain)
        {
            answers.Add(DeleteOfAApplied(id: 2));
        }

        var (device, context, bodies) = await RunHoldingADeletedAt90Async(answers);
        Assert.Contains("\"op\":\"delete\",\"itemId\":\"a\",\"baseVersion\":0", bodies[2], StringComparison.Ordinal);
        Assert.Equal(1, context.Metrics.HandBacks["held-delete-resent"]);
        if (resentAgain)
        {
            Assert.Contains($"\"op\":\"delete\",\"itemId\":\"a\",\"baseVersion\":{cursor}", bodies[3], StringComparison.Ordinal);
            Assert.Equal(1, context.Metrics.HandBacks["held-delete-resent-after-conflict"]);
            Assert.True(device.Items["a"].Deleted);
        }
        else
        {
            Assert.False(context.Metrics.HandBacks.ContainsKey("held-delete-resent-after-conflict"));
            Assert.False(device.Items["a"].Deleted);
        }
    }

    [Fact]
    public async Task A_held_delete_whose_epoch_has_nothing_left_is_resent_against_an_older_epochs_copy()
    {
        // Found by the two-replicas-wiped fault case: the device's delete at Epoch1 + 6 was dropped by a restore to an
        // epoch-0 backup, so safeVersion is 0 (nothing of epoch 1 is left). The restored copy at 38 predates the delete.
        await using var gateway = new ScriptedGateway(
        [
            (200, Answer("[]", "[]", cursor: null, resync: """{"reason":"epoch-changed","safeVersion":0}""")),
            (200, Answer("[]", $$"""[{{Item("a", 38, "d0-m0")}}]""", cursor: "40")),
            (200, Answer($$"""[{"id":1,"status":"applied","version":{{2 * Epoch1 + 1}}}]""",
                $$"""[{"itemId":"a","version":{{2 * Epoch1 + 1}},"deleted":true}]""",
                cursor: (2 * Epoch1 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        ]);
        var (device, context) = Create(gateway.Address, expectDataLoss: true);
        device.Hold("a", new LocalItem(Epoch1 + 6, true, null), cursor: (Epoch1 + 9).ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(await device.RunAsync(OperationKind.NoChange, context, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Equal(3, gateway.Bodies.Count);
        Assert.Contains("\"op\":\"delete\",\"itemId\":\"a\",\"baseVersion\":38", gateway.Bodies[2], StringComparison.Ordinal);
        Assert.Equal(1, context.Metrics.HandBacks["held-delete-resent"]);
        Assert.True(device.Items["a"].Deleted);
    }

    [Fact]
    public async Task A_delete_held_by_the_mass_delete_guard_is_confirmed_and_sent_again()
    {
        await using var gateway = new ScriptedGateway(
        [
            (200, """{"collections":[{"name":"tasks","results":[],"changes":[],"cursor":"14","hasMore":false,"resync":null,"refused":{"reason":"delete-after-resync","deletes":1,"liveItems":3}}]}"""),
            (200, Answer("""[{"id":1,"status":"applied","version":15}]""", """[{"itemId":"a","version":15,"deleted":true}]""", cursor: "15")),
        ]);
        var (device, context) = Create(gateway.Address, expectDataLoss: true);
        device.Hold("a", new LocalItem(5, false, Data("d0-m1")), cursor: "14");

        Assert.True(await device.RunAsync(OperationKind.Delete, context, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.DoesNotContain("confirmMassDelete", gateway.Bodies[0], StringComparison.Ordinal);
        Assert.Contains("\"confirmMassDelete\":true", gateway.Bodies[1], StringComparison.Ordinal);
        Assert.Equal(gateway.Bodies[0], gateway.Bodies[1].Replace(",\"confirmMassDelete\":true", "", StringComparison.Ordinal)); // the same mutations
        Assert.Equal(1, context.Metrics.HandBacks["mass-delete-confirmed"]);
        Assert.True(device.Ledger.Acknowledged["a"].Deleted);
        Assert.Empty(context.Violations.Counts);
    }

    /// <summary>The answer applying mutation <paramref name="id"/>, a delete of "a", at <c>Epoch1 + 2</c>.</summary>
    private static (int Status, string? Body) DeleteOfAApplied(long id) =>
        (200, Answer($$"""[{"id":{{id}},"status":"applied","version":{{Epoch1 + 2}}}]""",
            $$"""[{"itemId":"a","version":{{Epoch1 + 2}},"deleted":true}]""", cursor: (Epoch1 + 2).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// A device that deleted "a" at 90 (cursor 100) runs one no-change operation against <paramref name="answers"/>, all
    /// of which it must use; returns it with the request bodies it sent.
    /// </summary>
    private static async Task<(SimulatedDevice Device, RunContext Context, List<string> Bodies)> RunHoldingADeletedAt90Async(List<(int Status, string? Body)> answers)
    {
        await using var gateway = new ScriptedGateway(answers);
        var (device, context) = Create(gateway.Address, expectDataLoss: true);
        device.Hold("a", new LocalItem(90, true, null), cursor: "100");

        Assert.True(await device.RunAsync(OperationKind.NoChange, context, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Equal(answers.Count, gateway.Bodies.Count);
        return (device, context, [.. gateway.Bodies]);
    }

    private static string Answer(string results, string changes, string? cursor, string resync = "null") =>
        $$"""{"collections":[{"name":"tasks","results":{{results}},"changes":{{changes}},"cursor":{{(cursor is null ? "null" : "\"" + cursor + "\"")}},"hasMore":false,"resync":{{resync}}}]}""";

    private static string Item(string itemId, long version, string tag) =>
        $$$"""{"itemId":"{{{itemId}}}","version":{{{version}}},"deleted":false,"data":{"title":"t","tag":"{{{tag}}}","body":"x"}}""";

    private static TaggedItemData Data(string tag) => new("t", tag, "x");

    private static (SimulatedDevice Device, RunContext Context) Create(Uri gateway, bool expectDataLoss)
    {
        var options = new RunOptions { Gateway = gateway, Accounts = 1, DevicesPerAccount = 1, ExpectDataLoss = expectDataLoss };
        var client = new GatewayClient(gateway, null, TimeSpan.FromSeconds(10), 4);
        var context = new RunContext(options, client, new RunMetrics(), new ViolationLog());
        var device = new SimulatedDevice(0, new Device("acc", "dev", "token"), new AccountLedger("acc"), seed: 1);
        return (device, context);
    }
}
