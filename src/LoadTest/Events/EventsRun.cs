using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;
using DeviceSync.LoadTest.Run;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Events;

/// <summary>
/// <c>events</c>: holds many idle <c>/v1/events</c> sockets on a gateway, then measures how fast writes reach them
/// (issue 6 part 2). Provisions its accounts, opens one socket per device at a set rate from several loopback source
/// addresses, holds them idle, then has one device of each of some accounts write, one write after another, and
/// times, per socket of those accounts, the write's acknowledgement to its <c>changed</c> frame.
/// </summary>
public static class EventsRun
{
    /// <summary>Connect attempts per socket (a 503 while the cluster subscribes the account, a timeout under load).</summary>
    private const int ConnectAttempts = 5;

    private const int WriteAttempts = 5;

    public static async Task<EventsResult> RunAsync(EventsRunOptions options, CancellationToken ct)
    {
        var c = CultureInfo.InvariantCulture;
        var output = options.Output;
        var startedAt = DateTimeOffset.UtcNow;
        var collection = "ev-" + options.RunId;
        var (heapBefore, rssBefore) = MeasureSelf();

        using var client = new GatewayClient(options.Gateway, options.AdminKey, options.RequestTimeout, 64);
        var (accounts, provisionSeconds) = await ProvisionAsync(client, options, ct);
        var sockets = accounts.SelectMany(a => a.Sockets).ToList();
        await output.WriteLineAsync(string.Create(c,
            $"events shard {options.ShardIndex}/{options.ShardCount}: {accounts.Count} accounts, {sockets.Count} devices provisioned in {provisionSeconds:F1} s"));

        var connector = new SourceAddressConnector(options.SourceAddresses);
        using var invoker = new HttpMessageInvoker(connector.CreateHandler());
        using var stopReceiving = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = new ConcurrentBag<Task>();
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var handshakes = new ConcurrentBag<double>();
        var opened = 0;
        var retries = 0;
        var address = EventsAddress(options.Gateway);

        // Ramp-up: socket i starts at i / rate; at most ConnectConcurrency handshakes at once.
        using var inFlight = new SemaphoreSlim(options.ConnectConcurrency);
        var rampStarted = Stopwatch.GetTimestamp();
        var lastProgress = rampStarted;
        var connects = new List<Task>(sockets.Count);
        for (var i = 0; i < sockets.Count; i++)
        {
            var due = TimeSpan.FromSeconds(i / options.ConnectRate) - Stopwatch.GetElapsedTime(rampStarted);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }

            await inFlight.WaitAsync(ct);
            if (Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromSeconds(5))
            {
                lastProgress = Stopwatch.GetTimestamp();
                await output.WriteLineAsync(string.Create(c,
                    $"{Stopwatch.GetElapsedTime(rampStarted).TotalSeconds,6:F0}s  sockets open {Volatile.Read(ref opened),7}  failed {failures.Values.Sum()}"));
            }

            var socket = sockets[i];
            var token = socket.Account.Devices[socket.Index].Token;
            connects.Add(Task.Run(async () =>
            {
                try
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        try
                        {
                            await socket.ConnectAsync(invoker, address, token, options.RequestTimeout, ct);
                            handshakes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            Interlocked.Increment(ref opened);
                            receiving.Add(socket.ReceiveAsync(collection, stopReceiving.Token));
                            return;
                        }
                        catch (EventsConnectException e) when (e.Retryable && attempt < ConnectAttempts)
                        {
                            Interlocked.Increment(ref retries);
                            await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
                        }
                        catch (EventsConnectException e)
                        {
                            failures.AddOrUpdate(e.Kind, 1, (_, n) => n + 1);
                            return;
                        }
                    }
                }
                finally
                {
                    inFlight.Release();
                }
            }, ct));
        }

        await Task.WhenAll(connects);
        var connectSeconds = Stopwatch.GetElapsedTime(rampStarted).TotalSeconds;
        await output.WriteLineAsync(string.Create(c,
            $"opened {opened} of {sockets.Count} sockets in {connectSeconds:F1} s ({opened / connectSeconds:F0}/s); failures: {Describe(failures)}"));

        // Idle hold: nothing is sent but the gateway's pings. The harness's own cost is measured here.
        await output.WriteLineAsync(string.Create(c, $"holding {opened} sockets idle for {options.Hold.TotalSeconds:F0} s"));
        await Task.Delay(options.Hold, ct);
        var (heapHolding, rssHolding) = MeasureSelf();
        var openAfterHold = sockets.Count(s => s.IsOpen);
        await output.WriteLineAsync(string.Create(c,
            $"after the hold: {openAfterHold} open; harness heap {(heapHolding - heapBefore) / Math.Max(1.0, opened):F0} B/socket, RSS {(rssHolding - rssBefore) / Math.Max(1.0, opened):F0} B/socket"));

        // Writes: one device per account writes; every socket of the account should hear of it.
        var writers = accounts.Take(options.WriteAccounts).ToList();
        var deliveries = new ConcurrentBag<double>();
        var writeLatencies = new ConcurrentBag<double>();
        var writeFailures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var rounds = new ConcurrentBag<DeliveryRound>();
        long expected = 0, delivered = 0, late = 0, missing = 0, toEnded = 0;
        var acknowledged = 0;
        var writesStarted = Stopwatch.GetTimestamp();
        if (writers.Count > 0)
        {
            await output.WriteLineAsync(string.Create(c,
                $"writing: {writers.Count} accounts x {options.WritesPerAccount} writes, {options.WriteInterval.TotalMilliseconds:F0} ms apart, to {writers.Sum(w => w.Sockets.Count)} receiving sockets"));
        }

        await Task.WhenAll(writers.Select((account, n) => Task.Run(async () =>
        {
            // Spread the accounts' first writes over one interval, so writes arrive steadily rather than in bursts.
            await Task.Delay(options.WriteInterval * n / writers.Count, ct);
            string? cursor = null;
            for (var w = 1; w <= options.WritesPerAccount; w++)
            {
                var roundStarted = Stopwatch.GetTimestamp();
                var round = account.Arm();
                foreach (var socket in account.Sockets.Where(s => !s.IsOpen))
                {
                    round.Skip(socket.Index);
                }

                var request = new SyncRequest([new CollectionSync
                {
                    Name = collection,
                    Cursor = cursor,
                    Limit = 10,
                    Mutations = [new Mutation { Id = w, Op = "put", ItemId = "item-" + w.ToString(c), Data = new ItemData("event", w, "") }],
                }]);
                GatewayCall<SyncResponse>? call = null;
                for (var attempt = 1; attempt <= WriteAttempts; attempt++)
                {
                    call = await client.SyncAsync(account.Devices[0].Token, request, ct);
                    if (call.Succeeded || !call.IsRetryable)
                    {
                        break;
                    }

                    await Task.Delay(call.RetryAfter ?? TimeSpan.FromSeconds(attempt), ct);
                }

                var ackAt = Stopwatch.GetTimestamp();
                var result = call?.Body?.Collections.FirstOrDefault()?.Results.FirstOrDefault();
                if (call is not { Succeeded: true } || result?.Version is not { } version)
                {
                    account.Disarm(round);
                    writeFailures.AddOrUpdate(call?.ErrorKey ?? "none", 1, (_, k) => k + 1);
                    continue;
                }

                round.AcknowledgedAt = ackAt;
                rounds.Add(round);
                Interlocked.Increment(ref acknowledged);
                writeLatencies.Add(call.Elapsed.TotalMilliseconds);
                cursor = call.Body!.Collections[0].Cursor;
                account.Version = version;

                // The next write waits until this one reached every socket, or for the delivery timeout, so a slow
                // cluster is not driven harder than it delivers; the tally is made once, at the end.
                await Task.WhenAny(round.All, Task.Delay(options.DeliveryTimeout, ct));
                var rest = options.WriteInterval - Stopwatch.GetElapsedTime(roundStarted);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, ct);
                }
            }
        }, ct)));
        var writesSeconds = Stopwatch.GetElapsedTime(writesStarted).TotalSeconds;

        // Stragglers: a delivery after the timeout is late, not lost; wait one more timeout for them, then tally.
        if (!rounds.IsEmpty && !rounds.All(r => r.All.IsCompleted))
        {
            await Task.WhenAny(Task.WhenAll(rounds.Select(r => r.All)), Task.Delay(options.DeliveryTimeout, ct));
        }

        var timeoutTicks = (long)(options.DeliveryTimeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var round in rounds)
        {
            foreach (var arrived in round.ArrivedAt)
            {
                if (arrived == -1)
                {
                    toEnded++;
                    continue;
                }

                expected++;
                if (arrived == 0)
                {
                    missing++;
                    continue;
                }

                // Negative: the frame came before the write's answer.
                deliveries.Add(Stopwatch.GetElapsedTime(round.AcknowledgedAt, arrived).TotalMilliseconds);
                if (arrived - round.AcknowledgedAt > timeoutTicks)
                {
                    late++;
                }
                else
                {
                    delivered++;
                }
            }
        }

        var ended = sockets.Where(s => s.EndedBecause is not null)
            .GroupBy(s => s.EndedBecause!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        // Done: close every socket (the gateway sees normal closes) and end the receive loops.
        await Parallel.ForEachAsync(sockets, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (s, _) => await s.CloseAsync());
        await stopReceiving.CancelAsync();
        await Task.WhenAll(receiving);

        var delaySorted = deliveries.Order().ToList();
        var exitCode = missing > 0 || late > 0 || !failures.IsEmpty || !writeFailures.IsEmpty || opened < sockets.Count || ended.Count > 0
            ? ExitCodes.DeviceVisibleFailures
            : ExitCodes.Clean;
        return new EventsResult
        {
            CommandLine = options.CommandLine,
            StartedAt = startedAt,
            Gateway = options.Gateway.ToString(),
            Shard = string.Create(c, $"{options.ShardIndex}/{options.ShardCount}"),
            SourceAddresses = [.. connector.Sources.Select(a => a.ToString())],
            Collection = collection,
            Accounts = accounts.Count,
            Devices = sockets.Count,
            ProvisionSeconds = provisionSeconds,
            SocketsWanted = sockets.Count,
            SocketsOpened = opened,
            ConnectFailures = new Dictionary<string, int>(failures, StringComparer.Ordinal),
            ConnectRetries = retries,
            ConnectSeconds = connectSeconds,
            SocketsPerSecond = opened / connectSeconds,
            HandshakeMs = LatencySummary.From([.. handshakes.Order()]),
            SocketsOpenAfterHold = openAfterHold,
            SocketsEnded = ended,
            HoldSeconds = options.Hold.TotalSeconds,
            HarnessHeapBeforeBytes = heapBefore,
            HarnessHeapHoldingBytes = heapHolding,
            HarnessRssBeforeBytes = rssBefore,
            HarnessRssHoldingBytes = rssHolding,
            HarnessHeapBytesPerSocket = (heapHolding - heapBefore) / Math.Max(1.0, opened),
            HarnessRssBytesPerSocket = (rssHolding - rssBefore) / Math.Max(1.0, opened),
            WriteAccounts = writers.Count,
            WritesAcknowledged = acknowledged,
            WriteFailures = new Dictionary<string, int>(writeFailures, StringComparer.Ordinal),
            WriteMs = LatencySummary.From([.. writeLatencies.Order()]),
            DeliveriesExpected = expected,
            Delivered = delivered,
            Late = late,
            Missing = missing,
            ToEndedSockets = toEnded,
            DeliveryMs = LatencySummary.From(delaySorted),
            WritesSeconds = writesSeconds,
            ExitCode = exitCode,
        };
    }

    /// <summary>This shard's accounts, <c>ev-RUNID-SHARD-NNNNN</c>, <see cref="EventsRunOptions.DevicesPerAccount"/> devices each (the last one the rest).</summary>
    private static async Task<(List<EventsAccount> Accounts, double Seconds)> ProvisionAsync(GatewayClient client, EventsRunOptions options, CancellationToken ct)
    {
        var c = CultureInfo.InvariantCulture;
        var wanted = new List<ProvisionAccount>();
        for (var left = options.Sockets; left > 0; left -= options.DevicesPerAccount)
        {
            wanted.Add(new ProvisionAccount(string.Create(c, $"ev-{options.RunId}-{options.ShardIndex}-{wanted.Count + 1:D5}"), Math.Min(left, options.DevicesPerAccount)));
        }

        var (phase, devices) = await Provisioner.ProvisionAsync(client, wanted, Math.Max(1, 1000 / options.DevicesPerAccount), ct);
        var accounts = devices.GroupBy(d => d.AccountId, StringComparer.Ordinal)
            .Select(g => new EventsAccount(g.Key, [.. g]))
            .ToList();
        return (accounts, phase.Seconds);
    }

    public static Uri EventsAddress(Uri gateway)
    {
        var builder = new UriBuilder(new Uri(gateway, "/v1/events"));
        builder.Scheme = builder.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return builder.Uri;
    }

    /// <summary>The harness's managed heap after a full, compacting GC, and its resident set.</summary>
    private static (long Heap, long Rss) MeasureSelf()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64);
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(p => $"{p.Key} x{p.Value}"));
}
