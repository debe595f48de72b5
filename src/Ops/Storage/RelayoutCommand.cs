using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeviceSync.Grains.Storage;
using DeviceSync.Ops.Backups;

namespace DeviceSync.Ops.Storage;

/// <summary>
/// <c>relayout</c>: moves one storage replica's journal to another layout (group commit's shard partitions, or back) while
/// the cluster runs: checks the other replicas are healthy, empties the replica into the new layout
/// (<see cref="JournalRelayout"/>), then follows <c>GET /v1/admin/replicas</c> until the sweeper has refilled it and it is
/// healthy again. One replica at a time: docs/operations.md, "Moving a deployment to group commit".
/// Exit codes: 0 healthy in the new layout; 1 refused, or not healed in time; 2 bad command line.
/// </summary>
public static class RelayoutCommand
{
    public const int NotDone = 1;

    public static Command Build()
    {
        var replica = new Option<int>("--replica") { Description = "the replica to move (0-based, as in /v1/admin/replicas)", Required = true };
        var shards = new Option<int>("--shards")
        {
            Description = "its new layout: 1-100 = group commit (layout 2) with that many shard partitions; 0 = one partition per stream (layout 1)",
            Required = true,
        };
        shards.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 100)
            {
                r.AddError("--shards must be 0-100.");
            }
        });
        var connection = new Option<string?>("--connection")
        {
            Description = "the replica's connection string [default: $DEVICESYNC_REPLICA_<N>, else what run.sh wrote to $DEVICESYNC_DATA/run/replica-<N>.connection (./.data/run)]",
        };
        var prefix = new Option<string>("--prefix") { Description = "the silos' Storage:TablePrefix", DefaultValueFactory = _ => new ReplicationOptions().TablePrefix };
        var gateway = BackupCommandOptions.Gateway();
        var adminKey = BackupCommandOptions.AdminKey();
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "how long to wait for the refilled replica to be healthy (0: do not wait)",
            DefaultValueFactory = _ => TimeSpan.FromHours(2),
        };
        var settle = new Option<TimeSpan>("--settle")
        {
            Description = "after emptying, how long before the old layout's table is deleted once more, in case a silo that read the old record re-created it (at least twice the silos' Storage:ReplicaTimeout)",
            DefaultValueFactory = _ => (2 * new ReplicationOptions().ReplicaTimeout) + TimeSpan.FromSeconds(1),
        };
        var force = new Option<bool>("--force") { Description = "skip the checks that the other replicas are healthy and the sweeper runs" };
        var command = new Command("relayout", "empty one storage replica into another journal layout and wait until the sweeper has refilled it")
        {
            replica, shards, connection, prefix, gateway, adminKey, timeout, settle, force,
        };
        command.SetAction(async (parse, ct) =>
        {
            var index = parse.GetValue(replica);
            var connectionString = OpsCommandLine.ConnectionString(parse.GetValue(connection), $"DEVICESYNC_REPLICA_{index}", $"replica-{index}.connection");
            if (connectionString is null)
            {
                await Console.Error.WriteLineAsync(
                    $"error: no connection string for replica {index}: pass --connection, set $DEVICESYNC_REPLICA_{index}, or run this next to ./run.sh's .data/");
                return OpsCommandLine.Usage;
            }

            using var http = new HttpClient { BaseAddress = parse.GetValue(gateway), Timeout = TimeSpan.FromSeconds(30) };
            var admin = new AdminClient(http, parse.GetValue(adminKey)!);
            return await RunAsync(
                admin, index, parse.GetValue(shards), connectionString, parse.GetValue(prefix)!, parse.GetValue(timeout), parse.GetValue(settle), parse.GetValue(force), Console.Out, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        AdminClient admin, int index, int shards, string connectionString, string prefix, TimeSpan timeout, TimeSpan settle, bool force, TextWriter output, CancellationToken ct)
    {
        JsonElement before;
        JsonElement cluster;
        try
        {
            before = await admin.ViewAsync("/v1/admin/replicas", ct);
            cluster = await admin.ViewAsync("/v1/admin/cluster", ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            await Console.Error.WriteLineAsync($"[relayout] refused: cannot read the replicas' health and the silos from the gateway ({ex.Message}).");
            return NotDone;
        }

        var replicas = before.GetProperty("replicas");
        if (index < 0 || index >= replicas.GetArrayLength())
        {
            await Console.Error.WriteLineAsync($"[relayout] refused: there is no replica {index} (the cluster has {replicas.GetArrayLength()}).");
            return OpsCommandLine.Usage;
        }

        var from = await JournalRelayout.ReadLayoutAsync(connectionString, prefix, ct);
        if (!force && Refusal(before, cluster, index, from, JournalRelayout.Describe(shards)) is { } reason)
        {
            await Console.Error.WriteLineAsync($"[relayout] refused: {reason} (--force skips these checks).");
            return NotDone;
        }

        from ??= "its layout (not yet recorded)";
        var startedAt = before.GetProperty("observedAt").GetDateTimeOffset();
        var to = await JournalRelayout.EmptyIntoAsync(connectionString, prefix, shards, settle, ct);
        await output.WriteLineAsync($"[relayout] replica {index}: emptied; it was in {from}, it is rebuilt in {to}. The silos mark it unhealed and the sweeper refills it.");
        if (timeout <= TimeSpan.Zero)
        {
            await output.WriteLineAsync("[relayout] not waiting (--timeout 0): watch GET /v1/admin/replicas until it is healthy, then move the next replica.");
            return 0;
        }

        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (clock.Elapsed < timeout)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            JsonElement view;
            try
            {
                view = await admin.ViewAsync("/v1/admin/replicas", ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                await output.WriteLineAsync($"[relayout] {clock.Elapsed.TotalSeconds:F0} s: the gateway did not answer ({ex.Message}); trying again");
                continue;
            }

            var state = view.GetProperty("replicas")[index];
            if (state.GetProperty("state").GetString() == "healthy"
                && state.GetProperty("since").ValueKind == JsonValueKind.String
                && state.GetProperty("since").GetDateTimeOffset() > startedAt)
            {
                await output.WriteLineAsync(
                    $"[relayout] replica {index} is healthy in {to} after {clock.Elapsed.TotalSeconds:F0} s (repairs written to it since the silos started: {state.GetProperty("repairsWritten").GetInt64().ToString("N0", CultureInfo.InvariantCulture)}; writers' own catch-ups are not counted).");
                return 0;
            }

            if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                var sweep = view.GetProperty("sweep");
                await output.WriteLineAsync(
                    $"[relayout] {clock.Elapsed.TotalSeconds:F0} s: replica {index} {state.GetProperty("state").GetString()}"
                    + $" ({state.GetProperty("reason").ToString()}, {(state.TryGetProperty("layout", out var layout) ? layout.ToString() : "layout not reported")}); sweep {sweep.GetProperty("streamsChecked").GetInt64()}/{sweep.GetProperty("streamsTotal").GetInt64()} streams,"
                    + $" {state.GetProperty("repairsWritten").GetInt64()} written to it");
            }
        }

        await Console.Error.WriteLineAsync(
            $"[relayout] replica {index} was not healthy within {timeout}; it goes on healing (GET /v1/admin/replicas, silo log events 4020/4021). Do not move another replica until it is.");
        return NotDone;
    }

    /// <summary>
    /// Why emptying replica <paramref name="index"/> into <paramref name="target"/> now would be unsafe or pointless, or
    /// null. <paramref name="replicasView"/> and <paramref name="clusterView"/> are the gateway's
    /// <c>/v1/admin/replicas</c> and <c>/v1/admin/cluster</c>; <paramref name="recorded"/> the replica's layout record.
    /// </summary>
    public static string? Refusal(JsonElement replicasView, JsonElement clusterView, int index, string? recorded, string target)
    {
        foreach (var other in replicasView.GetProperty("replicas").EnumerateArray())
        {
            var i = other.GetProperty("replica").GetInt32();
            var state = other.GetProperty("state").GetString();
            if (i != index && state != "healthy")
            {
                return $"replica {i} is {state}; with it and replica {index} both out of the quorums, writes would be refused. Heal it first";
            }
        }

        if (!replicasView.GetProperty("sweep").GetProperty("enabled").GetBoolean())
        {
            return "the sweeper is off (Storage:Sweep:Enabled = false), so nothing would refill the replica";
        }

        // A silo of a build before layout records would re-create the emptied journal in its own configured layout.
        var builds = clusterView.GetProperty("silos").EnumerateArray()
            .Where(silo => silo.GetProperty("status").GetString() == "Active")
            .Select(silo => silo.GetProperty("version") is { ValueKind: JsonValueKind.String } version ? version.GetString()! : "unknown (just joined?)")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (builds.Count != 1)
        {
            return builds.Count == 0
                ? "no silo is active"
                : $"the active silos run {builds.Count} different builds ({string.Join(", ", builds)}): finish the rolling upgrade first";
        }

        if (recorded is null)
        {
            return $"replica {index} records no layout: no silo of a build that knows layout records has used it yet. Upgrade every silo first";
        }

        if (recorded == target)
        {
            return $"replica {index} is in {recorded} already; emptying it would only make the sweeper refill it";
        }

        return null;
    }
}
