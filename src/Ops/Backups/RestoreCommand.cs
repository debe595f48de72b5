using System.CommandLine;
using System.Text.Json;
using DeviceSync.Grains.Backup;

namespace DeviceSync.Ops.Backups;

/// <summary>
/// <c>restore</c>: restores one account (optionally one collection) or every backed-up account to a point in time,
/// through the gateway's admin route, so each collection is written by its owning grain in a new epoch.
/// </summary>
public static class RestoreCommand
{
    public static Command Build()
    {
        var backup = BackupCommandOptions.Backup();
        var prefix = BackupCommandOptions.Prefix();
        var gateway = BackupCommandOptions.Gateway();
        var adminKey = BackupCommandOptions.AdminKey();
        var account = new Option<string?>("--account") { Description = "the account to restore" };
        var collection = new Option<string?>("--collection") { Description = "only this collection of --account" };
        var all = new Option<bool>("--all") { Description = "every account the backup holds" };
        var to = new Option<string>("--to")
        {
            Description = "the point in time: latest, or an ISO-8601 time with offset (e.g. 2026-11-26T07:30:00Z)",
            DefaultValueFactory = _ => "latest",
        };
        var parallel = new Option<int>("--parallel")
        {
            Description = "with --all: accounts restored at once (each is independent; one at a time takes about 3 s an account on a busy 2-core machine)",
            DefaultValueFactory = _ => 1,
        };
        parallel.Validators.Add(r =>
        {
            if (r.GetValue(parallel) is < 1 or > 64)
            {
                r.AddError("--parallel must be 1 to 64");
            }
        });
        var retryFor = new Option<int>("--retry-for")
        {
            Description = "seconds to keep resending an account or collection the cluster answered 503 (storage below quorum, a silo leaving) or not at all; 0 = never",
            DefaultValueFactory = _ => (int)DefaultRetryFor.TotalSeconds,
        };
        retryFor.Validators.Add(r =>
        {
            if (r.GetValue(retryFor) is < 0 or > 86_400)
            {
                r.AddError("--retry-for must be 0 to 86400 seconds");
            }
        });
        var command = new Command("restore", "restore accounts from the backup store to a point in time; restored collections start a new epoch and devices hand back what they saw later")
        {
            backup, prefix, gateway, adminKey, account, collection, all, to, parallel, retryFor,
        };
        command.SetAction(async (parse, ct) =>
        {
            var accountId = parse.GetValue(account);
            var everything = parse.GetValue(all);
            if (everything == (accountId is not null) || (everything && parse.GetValue(collection) is not null))
            {
                await Console.Error.WriteLineAsync("error: pass either --account ID [--collection NAME] or --all");
                return OpsCommandLine.Usage;
            }

            if (!BackupCommandOptions.TryParsePoint(parse.GetValue(to)!, out var point))
            {
                await Console.Error.WriteLineAsync("error: --to must be latest or an ISO-8601 time with an offset");
                return OpsCommandLine.Usage;
            }

            IReadOnlyList<string> accounts = [accountId!];
            if (everything)
            {
                if (BackupCommandOptions.OpenStore(parse.GetValue(backup), parse.GetValue(prefix)!) is not { } store)
                {
                    return OpsCommandLine.Usage;
                }

                accounts = await AccountsAsync(store, ct);
            }

            using var http = new HttpClient { BaseAddress = parse.GetValue(gateway), Timeout = TimeSpan.FromMinutes(5) };
            var admin = new AdminClient(http, parse.GetValue(adminKey)!);
            var failed = 0;
            await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = parse.GetValue(parallel), CancellationToken = ct }, async (id, token) =>
            {
                // Each account's lines are written together, so parallel restores do not interleave them.
                var lines = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
                var failures = await RestoreAccountAsync(admin, id, point, parse.GetValue(collection), lines, TimeSpan.FromSeconds(parse.GetValue(retryFor)), token);
                Interlocked.Add(ref failed, failures);
                lock (accounts)
                {
                    Console.Out.Write(lines.ToString());
                }
            });

            Console.WriteLine($"[restore] {accounts.Count} accounts to {BackupCommandOptions.Format(point) switch { "-" => "latest", var p => p }}; {failed} failures");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>Every account the backup holds: account streams, and the owners of collection and blob index streams.</summary>
    public static async Task<IReadOnlyList<string>> AccountsAsync(BackupStore store, CancellationToken ct)
    {
        var streams = await store.ListStreamsAsync("", ct);
        return streams
            .Select(s => s.StreamKey.StartsWith("account/", StringComparison.Ordinal) ? s.StreamKey["account/".Length..]
                : s.StreamKey.StartsWith("collection/", StringComparison.Ordinal) ? s.StreamKey["collection/".Length..].Split('/')[0]
                : s.StreamKey.StartsWith("blobs/", StringComparison.Ordinal) ? s.StreamKey["blobs/".Length..]
                : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static readonly TimeSpan DefaultRetryFor = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Restores one account and prints one line per collection; returns the number of failures. What the cluster could not
    /// serve right now is resent within <paramref name="retryFor"/>: the whole account while the gateway answers 503 (the
    /// account step failed, so no collection was touched), then each collection reported <c>unavailable</c> on its own, so
    /// a collection already restored is not restored again (each restore starts a new epoch).
    /// </summary>
    public static async Task<int> RestoreAccountAsync(
        AdminClient admin, string accountId, DateTimeOffset? point, string? collection, TextWriter output, TimeSpan retryFor, CancellationToken ct)
    {
        var resends = new Resends(retryFor);
        var answer = await RestoreWithResendsAsync(admin, accountId, point, collection, output, resends, ct);
        if (answer is null)
        {
            return 1;
        }

        var failures = 0;
        var unavailable = new List<string>();
        using (answer)
        {
            var account = answer.RootElement.GetProperty("account");
            await output.WriteLineAsync($"[restore] {accountId}: account {account.GetProperty("status").GetString()} (recreated {account.GetProperty("recreated").GetBoolean()}, {account.GetProperty("devicesAdded").GetInt32()} devices and {account.GetProperty("revocationsAdded").GetInt32()} revocations added)");
            if (answer.RootElement.TryGetProperty("blobs", out var blobs))
            {
                // The blob index is merged like the account; bytes no replica holds come back from the backup container.
                var missing = blobs.GetProperty("bytesMissing").GetInt32();
                var failedBytes = blobs.GetProperty("bytesFailed").GetInt32();
                await output.WriteLineAsync($"[restore] {accountId}: blobs {blobs.GetProperty("status").GetString()} ({blobs.GetProperty("added").GetInt32()} index records added, {blobs.GetProperty("blobs").GetInt32()} blobs, {blobs.GetProperty("bytesRestored").GetInt32()} copied back from the backup, {missing} in no replica and no backup, {failedBytes} copies failed)");
                failures += failedBytes + (blobs.GetProperty("status").GetString() is "restored" or "not-in-backup" ? 0 : 1);
            }

            foreach (var c in answer.RootElement.GetProperty("collections").EnumerateArray())
            {
                failures += await ReportCollectionAsync(accountId, c, output, unavailable);
            }
        }

        foreach (var name in unavailable)
        {
            failures += await RestoreCollectionAloneAsync(admin, accountId, point, name, output, resends, ct);
        }

        return failures;
    }

    /// <summary>Resends one collection the cluster could not serve until it is restored, fails for good, or time is up.</summary>
    private static async Task<int> RestoreCollectionAloneAsync(
        AdminClient admin, string accountId, DateTimeOffset? point, string name, TextWriter output, Resends resends, CancellationToken ct)
    {
        while (true)
        {
            if (!await resends.WaitAsync(null, ct))
            {
                await output.WriteLineAsync($"[restore] {accountId}/{name}: failed: still unavailable after {resends.Budget.TotalSeconds:F0} s of resends");
                return 1;
            }

            using var answer = await RestoreWithResendsAsync(admin, accountId, point, name, output, resends, ct);
            if (answer is null)
            {
                return 1;
            }

            var stillUnavailable = new List<string>();
            var failures = 0;
            foreach (var c in answer.RootElement.GetProperty("collections").EnumerateArray())
            {
                failures += await ReportCollectionAsync(accountId, c, output, stillUnavailable);
            }

            if (stillUnavailable.Count == 0)
            {
                return failures;
            }
        }
    }

    /// <summary>The account route, resent while it answers 503 or nothing; null (reported) when it failed for good.</summary>
    private static async Task<JsonDocument?> RestoreWithResendsAsync(
        AdminClient admin, string accountId, DateTimeOffset? point, string? collection, TextWriter output, Resends resends, CancellationToken ct)
    {
        var target = collection is null ? accountId : $"{accountId}/{collection}";
        while (true)
        {
            var answer = await admin.RestoreAsync(accountId, point, collection, ct);
            if (answer.Ok)
            {
                return answer.Answer;
            }

            if (!answer.Transient || !await resends.WaitAsync(answer.RetryAfter, ct))
            {
                await output.WriteLineAsync($"[restore] {target}: failed: {answer.Text}");
                return null;
            }

            await output.WriteLineAsync($"[restore] {target}: {answer.Text.Split('\n')[0]}; resent (attempt {resends.Attempts + 1})");
        }
    }

    /// <summary>Prints one collection's line; returns 1 for a failure. An <c>unavailable</c> one is noted for a resend instead.</summary>
    private static async Task<int> ReportCollectionAsync(string accountId, JsonElement c, TextWriter output, List<string> unavailable)
    {
        var name = c.GetProperty("name").GetString()!;
        var status = c.GetProperty("status").GetString();
        var line = $"[restore] {accountId}/{name}: {status}";
        if (status == "restored")
        {
            line += $" to position {c.GetProperty("sequence").GetInt64()} committed {c.GetProperty("committedAt").GetString()}, {c.GetProperty("items").GetInt32()} items, epoch {c.GetProperty("epoch").GetInt64()}";
        }
        else if (c.TryGetProperty("detail", out var detail))
        {
            line += ": " + detail.GetString();
        }

        if (status == "unavailable")
        {
            unavailable.Add(name);
            await output.WriteLineAsync(line + " (will be resent)");
            return 0;
        }

        await output.WriteLineAsync(line);
        return status is "restored" or "not-in-backup" ? 0 : 1;
    }

    /// <summary>One account's resend budget: waits with backoff (1, 2, 4, 8 s, or the server's Retry-After if longer) until it is spent.</summary>
    private sealed class Resends(TimeSpan budget)
    {
        private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

        public TimeSpan Budget => budget;

        public int Attempts { get; private set; }

        /// <summary>Waits before the next resend; false (without waiting) when the budget would be spent by then.</summary>
        public async Task<bool> WaitAsync(TimeSpan? retryAfter, CancellationToken ct)
        {
            var backoff = TimeSpan.FromSeconds(Math.Min(8, 1 << Math.Min(Attempts, 3)));
            var delay = retryAfter is { } asked && asked > backoff ? asked : backoff;
            if (System.Diagnostics.Stopwatch.GetElapsedTime(_started) + delay > budget)
            {
                return false;
            }

            Attempts++;
            await Task.Delay(delay, ct);
            return true;
        }
    }
}
