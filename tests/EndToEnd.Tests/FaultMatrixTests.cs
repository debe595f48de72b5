using System.Globalization;
using System.Net;
using System.Text.Json;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Grains.Storage;
using DeviceSync.LoadTest.Run;
using DeviceSync.Ops;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// Issue 4's fault matrix: each fault injected into a cluster of real processes (3 Azurite replicas, silos, a gateway)
/// while the load harness drives devices through the gateway, and the harness's checker asserted clean: zero
/// acknowledged writes lost, zero applied twice, zero device-visible failures after the devices' retries.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class FaultMatrixTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_storage_replica_killed_then_restarted_under_load_loses_nothing()
    {
        await using var cluster = await StartAsync(silos: 2);
        var harness = HarnessRun.Start(cluster, "40s", "replica-kill");

        await harness.AtAsync(TimeSpan.FromSeconds(12));
        cluster.Replicas[1].Kill(); // SIGKILL: whatever Azurite had not saved yet is gone too
        output.WriteLine($"replica 1 killed at {harness.Elapsed.TotalSeconds:F1} s; writes go on at W = 2 of the other two");
        await harness.AtAsync(TimeSpan.FromSeconds(24));
        await cluster.Replicas[1].RestartAsync();
        output.WriteLine($"replica 1 restarted at {harness.Elapsed.TotalSeconds:F1} s");
        await harness.EndLoadAfterAsync(HarnessRun.Settle);

        using var report = await harness.AssertCleanAsync(output);
    }

    [Fact]
    public async Task A_silo_killed_mid_commit_under_load_loses_nothing()
    {
        await using var cluster = await StartAsync(silos: 2);
        var harness = HarnessRun.Start(cluster, "40s", "silo-kill");

        await harness.AtAsync(TimeSpan.FromSeconds(15));
        cluster.Silos[0].Kill();
        output.WriteLine($"silo 0 killed (kill -9) at {harness.Elapsed.TotalSeconds:F1} s, with commits in flight");

        using var report = await harness.AssertCleanAsync(output);
    }

    [Fact]
    public async Task The_gateway_killed_and_restarted_under_load_loses_nothing()
    {
        await using var cluster = await StartAsync(silos: 2);
        var harness = HarnessRun.Start(cluster, "40s", "gateway-kill");

        await harness.AtAsync(TimeSpan.FromSeconds(15));
        cluster.Gateway.Kill();
        output.WriteLine($"gateway killed (kill -9) at {harness.Elapsed.TotalSeconds:F1} s");
        await cluster.Gateway.StartAsync();
        output.WriteLine($"gateway serving again at {harness.Elapsed.TotalSeconds:F1} s");
        await harness.EndLoadAfterAsync(HarnessRun.Settle);

        using var report = await harness.AssertCleanAsync(output);
    }

    /// <summary>
    /// Replica 2's data wiped while the harness runs (<see cref="AzuriteProcess.WipeAsync"/>: the Azurite is stopped, its
    /// folder deleted, and it is started again empty on the same ports). Writes go on at the two healthy replicas, the
    /// sweeper refills it and marks it healthy (asserted through <c>/v1/admin/replicas</c>), and no device is told to
    /// resync (without <c>--expect-data-loss</c> a resync is a violation, so the run would not be clean).
    /// </summary>
    [Fact]
    public async Task One_replica_wiped_under_load_heals_and_loses_nothing()
    {
        await using var cluster = await StartAsync(silos: 2, FastSweep);
        var harness = HarnessRun.Start(cluster, "45s", "replica-wipe");

        await harness.AtAsync(TimeSpan.FromSeconds(12));
        var before = await ReplicasAsync(cluster);
        var wipedAt = before.GetProperty("observedAt").GetDateTimeOffset();
        await cluster.Replicas[Wiped].WipeAsync();
        output.WriteLine($"replica {Wiped} wiped and restarted empty at {harness.Elapsed.TotalSeconds:F1} s");

        var healed = await WaitUntilHealedAsync(cluster, [Wiped], wipedAt, harness);
        Assert.True(healed.GetProperty("replicas")[Wiped].GetProperty("repairsWritten").GetInt64() > 0, "the sweeper refilled the wiped replica");
        await harness.EndLoadAfterAsync(HarnessRun.Settle);

        using var report = await harness.AssertCleanAsync(output);
        Assert.Empty(report.RootElement.GetProperty("resyncsByReason").EnumerateObject());
    }

    /// <summary>
    /// An existing deployment moved to group commit under load (docs/operations.md, "Moving a deployment to group
    /// commit"): the replicas were written in layout 1, and <c>ops relayout --shards 2</c> empties each in turn (2, 1,
    /// then 0, which also holds the cluster's membership table: only the journal goes) while devices sync. The silos
    /// keep their default setting (layout 1 for new replicas): they follow each replica's layout record. Each replica is
    /// rebuilt in layout 2 and refilled by the sweeper before the next one moves; the command waits for that. Checker
    /// clean and no resync: nothing acknowledged depended on the emptied replica.
    /// </summary>
    [Fact]
    public async Task Every_replica_moved_to_group_commit_one_at_a_time_under_load_loses_nothing()
    {
        await using var cluster = await StartAsync(silos: 2, FastSweep);
        // Each move took 12-34 s here (the sweeper's interval and pace); at most 130 s covers all three, and on a slower
        // machine at least the first two still move under load. The load ends once all three have moved.
        var harness = HarnessRun.Start(cluster, "130s", "relayout");

        await harness.AtAsync(TimeSpan.FromSeconds(10));
        var movedUnderLoad = 0;
        foreach (var replica in new[] { 2, 1, 0 })
        {
            var connection = cluster.Replicas[replica].ConnectionString;
            Assert.Equal("layout 1", await JournalRelayout.ReadLayoutAsync(connection, cluster.TablePrefix));
            var (exit, text) = await OpsAsync(
                "relayout", "--replica", replica.ToString(CultureInfo.InvariantCulture), "--shards", "2", "--connection", connection, "--prefix", cluster.TablePrefix,
                "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!, "--timeout", "00:02:00");
            output.WriteLine($"ops relayout --replica {replica} --shards 2 → exit {exit} at {harness.Elapsed.TotalSeconds:F1} s");
            output.WriteLine(text);
            Assert.Equal(0, exit);
            Assert.Equal("layout 2 (2 shards)", await JournalRelayout.ReadLayoutAsync(connection, cluster.TablePrefix));
            movedUnderLoad += harness.Ended ? 0 : 1;
        }

        // Moving a replica to the layout it is in would only empty it for nothing: refused.
        var (again, refusal) = await OpsAsync(
            "relayout", "--replica", "2", "--shards", "2", "--connection", cluster.Replicas[2].ConnectionString, "--prefix", cluster.TablePrefix,
            "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!);
        Assert.Equal(1, again);
        Assert.Contains("already", refusal, StringComparison.Ordinal);

        Assert.True(movedUnderLoad >= 2, $"only {movedUnderLoad} replicas moved while the devices still synced");
        await harness.EndLoadAfterAsync(HarnessRun.Settle);
        using var report = await harness.AssertCleanAsync(output);
        Assert.Empty(report.RootElement.GetProperty("resyncsByReason").EnumerateObject());

        var view = await ReplicasAsync(cluster);
        Assert.All(view.GetProperty("replicas").EnumerateArray(), r => Assert.Equal("layout 2 (2 shards)", r.GetProperty("layout").GetString()));

        // The journals now live in layout 2's table only; the membership table on replica 0 was left alone.
        for (var replica = 0; replica < 3; replica++)
        {
            var tables = new Azure.Data.Tables.TableServiceClient(cluster.Replicas[replica].ConnectionString);
            var names = new List<string>();
            await foreach (var table in tables.QueryAsync())
            {
                names.Add(table.Name);
            }

            Assert.DoesNotContain(cluster.TablePrefix + "journal", names);
            Assert.Contains(cluster.TablePrefix + "journal2", names);
            var rows = 0;
            await foreach (var _ in tables.GetTableClient(cluster.TablePrefix + "journal2").QueryAsync<Azure.Data.Tables.TableEntity>(maxPerPage: 100, select: ["PartitionKey"]))
            {
                if (++rows > 10)
                {
                    break;
                }
            }

            Assert.True(rows > 10, $"replica {replica}'s layout-2 table holds the refilled journal");
        }
    }

    /// <summary>
    /// Replicas 1 and 2 wiped at once (replica 0 holds the cluster's membership table, so it is the survivor). With one
    /// healthy replica of three the journal cannot reach W = 2 healthy acknowledgements and refuses writes: the devices
    /// get 503 and resend (counted in the report's errors by code). Every replica still answers, so the sweeper refills
    /// both from the survivor and marks them healthy; whatever only the wiped two held is gone from the replicas. The
    /// operator then restores every account from the backup (<c>ops restore --all --to latest</c>, in-process), which
    /// starts a new epoch in each collection; devices past the restored head get <c>epoch-changed</c> and hand back
    /// what the backup lacked. Checker: nothing acknowledged lost, nothing applied twice, no wrong data.
    /// </summary>
    [Fact]
    public async Task Two_replicas_wiped_under_load_refuse_writes_then_a_restore_and_the_devices_hand_back_everything()
    {
        await using var cluster = await StartAsync(silos: 2, FastSweep);
        // At most 90 s: the restore (about 3 s an account here, 4 at once) must land while the devices still sync.
        var harness = HarnessRun.Start(cluster, "90s", "two-replicas-wiped", "--expect-data-loss");

        await harness.AtAsync(TimeSpan.FromSeconds(10));
        var before = await ReplicasAsync(cluster);
        var wipedAt = before.GetProperty("observedAt").GetDateTimeOffset();
        output.WriteLine($"wiping replicas 1 and 2 at {harness.Elapsed.TotalSeconds:F1} s");
        await Task.WhenAll(cluster.Replicas[1].WipeAsync(), cluster.Replicas[2].WipeAsync());
        output.WriteLine($"replicas 1 and 2 wiped and restarted empty at {harness.Elapsed.TotalSeconds:F1} s");

        await WaitUntilHealedAsync(cluster, [1, 2], wipedAt, harness);
        output.WriteLine($"restoring every account at {harness.Elapsed.TotalSeconds:F1} s");

        var (exit, text) = await OpsAsync(
            "restore", "--all", "--to", "latest", "--parallel", "4", "--backup", cluster.Backup!.ConnectionString, "--backup-prefix", cluster.TablePrefix,
            "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!);
        output.WriteLine($"ops restore --all --to latest --parallel 4 done at {harness.Elapsed.TotalSeconds:F1} s → exit {exit}");
        output.WriteLine(text);
        Assert.Equal(0, exit);
        Assert.False(harness.Ended, "the restore must land while the devices still sync, or nothing is handed back during the run");
        await harness.EndLoadAfterAsync(HarnessRun.Settle); // the devices past the restored head learn of it and hand back

        var (exitCode, report) = await harness.WaitAsync(output);
        using (report)
        {
            var root = report.RootElement;
            var checker = root.GetProperty("checker");
            Assert.True(checker.GetProperty("matched").GetInt64() > 0, "the checker compared nothing");
            Assert.Equal(0, checker.GetProperty("findings").GetArrayLength()); // no write lost, superseded, unrecoverable or applied twice

            // The refusal, observed: writes answered 503 while only one replica was healthy. Every one was resent.
            var errors = root.GetProperty("errorsByCode");
            var refused = errors.TryGetProperty("503", out var n) ? n.GetInt64() : 0;
            output.WriteLine($"503 answers: {refused}; device-visible failures: {root.GetProperty("deviceVisibleFailures").GetInt64()}");
            Assert.True(refused > 0, "no write was refused while two of three replicas were unhealed");

            // The devices were told their server lost data and handed it back.
            var resyncs = root.GetProperty("resyncsByReason").EnumerateObject().Sum(r => r.Value.GetInt64());
            Assert.True(resyncs > 0, "no device was told to resync after the restore");
            Assert.Empty(root.GetProperty("violations").EnumerateObject());

            // Device-visible failures (an operation whose resends ran out of budget in the refusal window) are allowed,
            // reported, and bounded: at most one per device; they lose nothing (their writes are in doubt, not acknowledged).
            Assert.InRange(root.GetProperty("deviceVisibleFailures").GetInt64(), 0, 32);
            Assert.True(exitCode is ExitCodes.Clean or ExitCodes.DeviceVisibleFailures, $"exit code {exitCode}");
        }
    }

    /// <summary>
    /// Every storage replica and the backup store wiped at once while the harness runs (the membership table lives in an
    /// Azurite of its own here, as in production, so the cluster itself survives). Nothing the server held is left: not the
    /// collections, not the accounts with their token and password hashes. The silos hold a token key outside storage and
    /// run with re-admission enabled (docs/adr/0008-device-readmission.md), so once the sweeper has healed the empty
    /// replicas (declaring a history-loss generation), each device's tagged token recreates its account as recovered or
    /// joins it; each readmitted device gets <c>epoch-changed</c> (safeVersion 0) for its old cursors, hands back
    /// everything it holds, and pulls from null. Checker: nothing a device held is lost (0 <c>lost</c>), nothing applied
    /// twice; <c>unrecoverable</c> (gone with the server and held by no device) is the only finding allowed.
    /// </summary>
    [Fact]
    public async Task Every_replica_and_the_backup_wiped_under_load_devices_are_readmitted_and_hand_back_everything()
    {
        await using var cluster = await StartAsync(silos: 2, EverythingLost);
        // At most 120 s: stopping and restarting four Azurites, and the heal, take from 20 s to a minute on a loaded
        // machine, and the devices need time after it to get back in and hand back.
        var harness = HarnessRun.Start(cluster, "120s", "everything-wiped", "--expect-data-loss");

        await harness.AtAsync(TimeSpan.FromSeconds(12));
        var before = await ReplicasAsync(cluster);
        var wipedAt = before.GetProperty("observedAt").GetDateTimeOffset();
        output.WriteLine($"wiping replicas 0, 1, 2 and the backup store at {harness.Elapsed.TotalSeconds:F1} s");
        await Task.WhenAll(cluster.Replicas[0].WipeAsync(), cluster.Replicas[1].WipeAsync(), cluster.Replicas[2].WipeAsync(), cluster.Backup!.WipeAsync());
        output.WriteLine($"everything wiped and restarted empty at {harness.Elapsed.TotalSeconds:F1} s");

        await WaitUntilHealedAsync(cluster, [0, 1, 2], wipedAt, harness);
        Assert.False(harness.Ended, "the heal must land while the devices still sync, or nothing is handed back during the run");
        await harness.EndLoadAfterAsync(2 * HarnessRun.Settle); // time to be readmitted, then to hand back

        var (exitCode, report) = await harness.WaitAsync(output);
        using (report)
        {
            var root = report.RootElement;
            var checker = root.GetProperty("checker");
            var byKind = checker.GetProperty("findingsByKind").EnumerateObject().ToDictionary(k => k.Name, k => k.Value.GetInt32());
            output.WriteLine($"checker: matched {checker.GetProperty("matched").GetInt64()}, findings by kind: {(byKind.Count == 0 ? "none" : string.Join(", ", byKind.Select(k => $"{k.Key} {k.Value}")))}");
            Assert.True(checker.GetProperty("matched").GetInt64() > 0, "the checker compared nothing: no device got back in");

            // Only what no device held may be missing: no write lost, applied twice, corrupted or replaced by an older copy.
            Assert.All(byKind.Keys, kind => Assert.Equal("unrecoverable", kind));

            // The devices were readmitted (a 401 would be a rejected-401 violation) and told to hand back what they hold.
            Assert.Empty(root.GetProperty("violations").EnumerateObject());
            var resyncs = root.GetProperty("resyncsByReason");
            output.WriteLine($"resyncs: {resyncs}; errors by code: {root.GetProperty("errorsByCode")}; device-visible failures: {root.GetProperty("deviceVisibleFailures").GetInt64()}");
            Assert.True(resyncs.EnumerateObject().Sum(r => r.Value.GetInt64()) > 0, "no device was told to resync after the loss");
            var handBacks = root.GetProperty("handBacks");
            output.WriteLine($"hand-backs: {handBacks}");
            // How much is applied rather than found already there varies: live collection grains catch the wiped replicas
            // up from their own memory on their next append (ADR 0004), so much of a busy collection comes back that way.
            var handedBack = new[] { "restore-applied", "restore-duplicate", "restore-conflict" }
                .Sum(kind => handBacks.TryGetProperty(kind, out var n) ? n.GetInt64() : 0);
            Assert.True(handedBack > 0, "no device handed anything back after the loss");

            // Writes were refused (503) while no replica was healthy; an operation whose resends ran out of budget then is
            // a device-visible failure, allowed and bounded (at most one per device): its write was never acknowledged.
            Assert.InRange(root.GetProperty("deviceVisibleFailures").GetInt64(), 0, 32);
            Assert.True(exitCode is ExitCodes.Clean or ExitCodes.DeviceVisibleFailures or ExitCodes.DataOrServerFailure, $"exit code {exitCode}");
            Assert.True(exitCode != ExitCodes.DataOrServerFailure || byKind.Count > 0, "a failing verdict must come from the checker's (unrecoverable) findings");
        }
    }

    private const int Wiped = 2;

    /// <summary><see cref="FastSweep"/>, with re-admission on and the membership table outside the replicas.</summary>
    private static readonly LocalClusterOptions EverythingLost = new()
    {
        Silos = 2,
        Readmission = true,
        MembershipOutsideReplicas = true,
        SiloSettings = SweeperSettings.Fast(),
    };

    /// <summary>A quick sweeper (<see cref="SweeperSettings.Fast"/>), as ReplicaHealingTests have, so heals fit in a run.</summary>
    private static readonly LocalClusterOptions FastSweep = new()
    {
        Silos = 2,
        SiloSettings = SweeperSettings.Fast(),
    };

    private async Task<JsonElement> WaitUntilHealedAsync(LocalCluster cluster, int[] replicas, DateTimeOffset wipedAt, HarnessRun harness)
    {
        JsonElement view = default;
        await Eventually.WaitAsync(
            async () =>
            {
                view = await ReplicasAsync(cluster);
                return replicas.All(i => view.GetProperty("replicas")[i] is var r
                    && r.GetProperty("state").GetString() == "healthy"
                    && r.GetProperty("since").GetDateTimeOffset() > wipedAt);
            },
            TimeSpan.FromSeconds(150),
            $"/v1/admin/replicas did not show replicas {string.Join(", ", replicas)} healed");
        output.WriteLine($"replicas {string.Join(", ", replicas)} healthy again at {harness.Elapsed.TotalSeconds:F1} s: {view}");
        return view;
    }

    private static async Task<JsonElement> ReplicasAsync(LocalCluster cluster)
    {
        using var http = cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/replicas");
        request.Headers.Add("X-Admin-Key", cluster.AdminKey);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Runs an <c>ops</c> command in-process (as an operator would from a shell) and captures its output.</summary>
    private static async Task<(int ExitCode, string Output)> OpsAsync(params string[] args)
    {
        var console = new StringWriter(CultureInfo.InvariantCulture);
        var previousOut = Console.Out;
        var previousError = Console.Error;
        Console.SetOut(console);
        Console.SetError(console);
        try
        {
            return (await OpsCommandLine.InvokeAsync(args), console.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }

    private static async Task<LocalCluster> StartAsync(int silos, LocalClusterOptions? options = null)
    {
        var cluster = new LocalCluster(options ?? new LocalClusterOptions { Silos = silos });
        try
        {
            await cluster.InitializeAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }
}
