using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// Reads every account's collection back through the API (a dedicated checker device per account pages
/// <c>/v1/sync</c> from <c>cursor: null</c>) and compares it with the ledger of what the simulated devices were
/// told. Per acknowledged item, with V the highest acknowledged version:
/// <list type="bullet">
/// <item>server at V: must hold exactly the acknowledged data (or a tombstone for an acknowledged delete), else <see cref="CheckerFindingKind.Corrupted"/>;</item>
/// <item>server missing or below V: <see cref="CheckerFindingKind.Lost"/>;</item>
/// <item>server above V: fine only if that state is a write whose outcome no device learned (in doubt);
/// the acknowledged write's own data at another version is <see cref="CheckerFindingKind.AppliedTwice"/>;
/// anything else is a write no device made, so the acknowledged one is <see cref="CheckerFindingKind.Lost"/>.</item>
/// </list>
/// Items on the server that no device acknowledged must be in-doubt writes (else <see cref="CheckerFindingKind.Unexpected"/>),
/// and a mutation seen at two versions anywhere during the run is <see cref="CheckerFindingKind.AppliedTwice"/>.
/// </summary>
public sealed class Checker(GatewayClient client, int parallelism = 8)
{
    private const int PageLimit = 1000;
    private const int MaxAttempts = 20;

    public async Task<CheckerVerdict> CheckAsync(IReadOnlyList<(AccountLedger Ledger, Device CheckerDevice)> accounts, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var findings = new ConcurrentBag<CheckerFinding>();
        long acknowledged = 0, read = 0, matched = 0, tombstones = 0, surfaced = 0, inDoubt = 0;
        using var gate = new SemaphoreSlim(parallelism);
        await Task.WhenAll(accounts.Select(async account =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var ledger = account.Ledger;
                Interlocked.Add(ref inDoubt, ledger.InDoubtCount);
                var expected = ledger.Acknowledged;
                Interlocked.Add(ref acknowledged, expected.Count);
                var server = await ReadAllAsync(account.CheckerDevice, ct);
                if (server is null)
                {
                    findings.Add(new CheckerFinding(CheckerFindingKind.Unreadable, ledger.AccountId, "*",
                        $"{expected.Count} acknowledged items", "the collection could not be read through the API"));
                    return;
                }

                Interlocked.Add(ref read, server.Count);
                foreach (var finding in ledger.AppliedTwice)
                {
                    findings.Add(finding);
                }

                foreach (var (itemId, want) in expected)
                {
                    server.TryGetValue(itemId, out var have);
                    var finding = Judge(ledger, itemId, want, have, ref matched, ref tombstones, ref surfaced);
                    if (finding is not null)
                    {
                        findings.Add(finding);
                    }
                }

                foreach (var (itemId, have) in server)
                {
                    if (expected.ContainsKey(itemId))
                    {
                        continue;
                    }

                    if (IsInDoubtWrite(ledger, itemId, have))
                    {
                        Interlocked.Increment(ref surfaced);
                    }
                    else
                    {
                        findings.Add(new CheckerFinding(CheckerFindingKind.Unexpected, ledger.AccountId, itemId, "no acknowledged write", Describe(have)));
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        return new CheckerVerdict
        {
            Accounts = accounts.Count,
            AcknowledgedItems = acknowledged,
            ItemsRead = read,
            Matched = matched,
            Tombstones = tombstones,
            InDoubtWritesSurfaced = surfaced,
            InDoubtWrites = inDoubt,
            Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds,
            Findings = [.. findings.OrderBy(f => f.AccountId, StringComparer.Ordinal).ThenBy(f => f.ItemId, StringComparer.Ordinal)],
        };
    }

    /// <summary>Compares one acknowledged item with the server's state of it; null when it is right.</summary>
    public static CheckerFinding? Judge(AccountLedger ledger, string itemId, ExpectedItem want, ItemState? have,
        ref long matched, ref long tombstones, ref long surfaced)
    {
        var account = ledger.AccountId;
        if (have is null || have.Version < want.Version)
        {
            return new CheckerFinding(LostOrUnrecoverable(ledger, itemId, want), account, itemId, DescribeExpected(want),
                have is null ? "no such item on the server" : Describe(have));
        }

        if (have.Version == want.Version)
        {
            var same = want.Deleted ? have.Deleted : !have.Deleted && Equals(have.Data, want.Data);
            if (!same)
            {
                return new CheckerFinding(CheckerFindingKind.Corrupted, account, itemId, DescribeExpected(want), Describe(have));
            }

            Interlocked.Increment(ref matched);
            if (have.Deleted)
            {
                Interlocked.Increment(ref tombstones);
            }

            return null;
        }

        // The server is ahead of every acknowledged write of this item.
        if (IsInDoubtWrite(ledger, itemId, have))
        {
            Interlocked.Increment(ref surfaced);
            return null;
        }

        if (!have.Deleted && !want.Deleted && have.Data?.Tag == want.Tag)
        {
            if (VersionEpochs.Of(have.Version) > VersionEpochs.Of(want.Version) && Equals(have.Data, want.Data))
            {
                // The acknowledged write itself, handed back into a later epoch after a data loss (a restore).
                Interlocked.Increment(ref matched);
                return null;
            }

            return new CheckerFinding(CheckerFindingKind.AppliedTwice, account, itemId, DescribeExpected(want), Describe(have));
        }

        if (!have.Deleted && have.Data is { } older && ledger.OriginOf(older.Tag) is { } origin && origin < want.Origin)
        {
            // An earlier write of the item came back over the acknowledged one (a stale copy handed back first).
            var kind = LostOrUnrecoverable(ledger, itemId, want) == CheckerFindingKind.Unrecoverable
                ? CheckerFindingKind.Unrecoverable
                : CheckerFindingKind.Superseded;
            return new CheckerFinding(kind, account, itemId, DescribeExpected(want),
                Describe(have) + string.Create(CultureInfo.InvariantCulture, $", an older write (first at version {origin})"));
        }

        return new CheckerFinding(LostOrUnrecoverable(ledger, itemId, want), account, itemId, DescribeExpected(want),
            Describe(have) + ", a write no simulated device made or attempted");
    }

    /// <summary>
    /// Lost, unless the server lost data after the write was acknowledged (a device was told to resync since) and no
    /// device held the write at that resync: then nobody could hand it back, and it is unrecoverable.
    /// </summary>
    private static CheckerFindingKind LostOrUnrecoverable(AccountLedger ledger, string itemId, ExpectedItem want)
    {
        if (!ledger.ResyncAfter(want))
        {
            return CheckerFindingKind.Lost;
        }

        var held = want.Deleted
            ? ledger.WasHeldAtResync(itemId, AccountLedger.TombstoneTag(want.Version)) || ledger.WasHeldAtResync(itemId, AccountLedger.DeleteTag(want.Tag))
            : ledger.WasHeldAtResync(itemId, want.Tag);
        return held ? CheckerFindingKind.Lost : CheckerFindingKind.Unrecoverable;
    }

    private static bool IsInDoubtWrite(AccountLedger ledger, string itemId, ItemState have) =>
        have.Deleted
            ? ledger.HasInDoubtDelete(itemId)
            : have.Data is { } data && ledger.IsInDoubt(itemId, data.Tag);

    private static string DescribeExpected(ExpectedItem want) => want.Deleted
        ? string.Create(CultureInfo.InvariantCulture, $"tombstone at version {want.Version} (delete {want.Tag})")
        : string.Create(CultureInfo.InvariantCulture, $"version {want.Version}, data of {want.Tag}");

    private static string Describe(ItemState have) => have.Deleted
        ? string.Create(CultureInfo.InvariantCulture, $"tombstone at version {have.Version}")
        : string.Create(CultureInfo.InvariantCulture, $"version {have.Version}, data of {have.Data?.Tag ?? "(no tag)"}");

    /// <summary>Every item (tombstones included) of the account's collection, in its latest state; null when a page could not be read.</summary>
    private async Task<Dictionary<string, ItemState>?> ReadAllAsync(Device device, CancellationToken ct)
    {
        var items = new Dictionary<string, ItemState>(StringComparer.Ordinal);
        string? cursor = null;
        var failures = 0;
        while (true)
        {
            var request = new SyncRequest([new CollectionSync { Name = RunContext.Collection, Cursor = cursor, Limit = PageLimit }]);
            var call = await client.DeviceSyncAsync(device.Token, request, ct);
            if (!call.Succeeded)
            {
                if (++failures >= MaxAttempts || !call.IsRetryable)
                {
                    return null;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * failures, 1000)), ct);
                continue;
            }

            var result = call.Body!.Collections.SingleOrDefault(c => c.Name == RunContext.Collection);
            if (result is null || result.Resync is not null)
            {
                return null;
            }

            foreach (var row in result.Changes)
            {
                // Paging never skips a change; an item seen twice shows its later state on the later page.
                if (!items.TryGetValue(row.ItemId, out var seen) || row.Version > seen.Version)
                {
                    items[row.ItemId] = row;
                }
            }

            if (!result.HasMore)
            {
                return items;
            }

            cursor = result.Cursor;
        }
    }
}
