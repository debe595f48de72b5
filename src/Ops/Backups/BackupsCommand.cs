using System.CommandLine;
using System.Globalization;
using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Journaling;

namespace DeviceSync.Ops.Backups;

/// <summary><c>backups list</c> (the restorable window of each stream) and <c>backups prune</c> (apply the retention).</summary>
public static class BackupsCommand
{
    /// <summary>How far back restores must reach unless <c>--retention</c> says otherwise.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(30);

    public static Command Build()
    {
        var command = new Command("backups", "list what the backup store can restore, and prune it to the retention window");
        command.Subcommands.Add(BuildList());
        command.Subcommands.Add(BuildPrune());
        return command;
    }

    private static Command BuildList()
    {
        var backup = BackupCommandOptions.Backup();
        var prefix = BackupCommandOptions.Prefix();
        var account = new Option<string?>("--account") { Description = "only this account's streams" };
        var command = new Command("list", "per stream: the oldest and newest point a restore can reach, per generation") { backup, prefix, account };
        command.SetAction(async (parse, ct) =>
        {
            if (BackupCommandOptions.OpenStore(parse.GetValue(backup), parse.GetValue(prefix)!) is not { } store)
            {
                return OpsCommandLine.Usage;
            }

            var rows = await ListAsync(store, parse.GetValue(account), ct);
            Console.WriteLine($"{"stream",-48} {"gen",3} {"oldest point",-20} {"newest point",-20} {"entries",8} {"snapshot",8}");
            foreach (var row in rows)
            {
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{row.StreamKey,-48} {row.Generation,3} {BackupCommandOptions.Format(row.OldestAt),-20} {BackupCommandOptions.Format(row.NewestAt),-20} {row.Newest,8} {row.Snapshot,8}"));
            }

            Console.WriteLine($"{rows.Select(r => r.StreamKey).Distinct().Count()} streams");
            return 0;
        });
        return command;
    }

    /// <summary>Every generation of every stream (of one account), with its restorable window.</summary>
    public static async Task<IReadOnlyList<BackupWindow>> ListAsync(BackupStore store, string? accountId, CancellationToken ct)
    {
        var streams = accountId is null
            ? await store.ListStreamsAsync("", ct)
            : [.. await store.ListStreamsAsync(JournalStreams.ForAccount(accountId), ct), .. await store.ListStreamsAsync(JournalStreams.ForCollection(accountId, ""), ct)];
        var rows = new List<BackupWindow>();
        foreach (var stream in streams.Where(s => accountId is null || s.StreamKey == JournalStreams.ForAccount(accountId) || s.StreamKey.StartsWith(JournalStreams.ForCollection(accountId, ""), StringComparison.Ordinal)))
        {
            for (var generation = stream.OldestGeneration; generation <= stream.Generation; generation++)
            {
                if (await store.ReadTailAsync(stream.StreamKey, generation, ct) is { } tail)
                {
                    rows.Add(new BackupWindow(stream.StreamKey, generation, tail.OldestAt ?? tail.FirstAt, tail.NewestAt, tail.Newest, tail.Snapshot));
                }
            }
        }

        return rows;
    }

    private static Command BuildPrune()
    {
        var backup = BackupCommandOptions.Backup();
        var prefix = BackupCommandOptions.Prefix();
        var retention = new Option<TimeSpan>("--retention")
        {
            Description = "how far back restores must reach, e.g. 30.00:00:00 (at least 01:00:00)",
            DefaultValueFactory = _ => DefaultRetention,
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.FromHours(1))
                {
                    return value;
                }

                r.AddError($"--retention must be a time span of at least 01:00:00, not '{text}'.");
                return default;
            },
        };
        var command = new Command("prune", "drop backed-up entries and snapshots a restore within the retention window does not need") { backup, prefix, retention };
        command.SetAction(async (parse, ct) =>
        {
            if (BackupCommandOptions.OpenStore(parse.GetValue(backup), parse.GetValue(prefix)!) is not { } store)
            {
                return OpsCommandLine.Usage;
            }

            var windowStart = DateTimeOffset.UtcNow - parse.GetValue(retention);
            var results = await PruneAsync(store, windowStart, ct);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"[prune] window starts {BackupCommandOptions.Format(windowStart)}: {results.Sum(r => r.EntriesDeleted)} entries and {results.Sum(r => r.SnapshotsDeleted)} snapshots removed from {results.Where(r => r.EntriesDeleted + r.SnapshotsDeleted > 0 || r.GenerationRemoved).Select(r => r.StreamKey).Distinct().Count()} streams, {results.Count(r => r.GenerationRemoved)} old generations removed entirely"));
            return 0;
        });
        return command;
    }

    /// <summary>Prunes every stream to the window starting at <paramref name="windowStart"/>: old generations no restore in
    /// the window reads are removed, the others pruned (<see cref="BackupStore.PruneStreamAsync"/>).</summary>
    public static async Task<IReadOnlyList<BackupPruneResult>> PruneAsync(BackupStore store, DateTimeOffset windowStart, CancellationToken ct)
    {
        var results = new List<BackupPruneResult>();
        foreach (var stream in await store.ListStreamsAsync("", ct))
        {
            results.AddRange(await store.PruneStreamAsync(stream, windowStart, ct));
        }

        return results;
    }
}
