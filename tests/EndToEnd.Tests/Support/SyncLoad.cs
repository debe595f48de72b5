using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>
/// Devices syncing continuously, each on its own account: every request is one put of a new item. A request that
/// does not answer 200 (or throws) is counted as a device-visible failure and the very same body is resent until it
/// succeeds, as a device does; so every item is eventually acknowledged exactly once.
/// </summary>
public sealed class SyncLoad : IAsyncDisposable
{
    public const string Collection = "notes";

    private static readonly TimeSpan GiveUpOnItem = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ExceptionBackoff = TimeSpan.FromMilliseconds(200);

    private readonly E2eClient _client;
    private readonly IReadOnlyList<E2eDevice> _devices;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly List<(int Device, TimeSpan Started, TimeSpan Finished)> _successes = [];
    private Task[] _loops = [];

    private SyncLoad(E2eClient client, IReadOnlyList<E2eDevice> devices)
    {
        _client = client;
        _devices = devices;
    }

    public AcknowledgedWrites Acknowledged { get; } = new();

    /// <summary>Every non-200 answer and exception the devices saw, as "t=sent..answered device item: what".</summary>
    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>Answers that break the protocol's promises (e.g. a resend answered <c>conflict</c>: applied twice).</summary>
    public IReadOnlyCollection<string> Violations => _violations;

    public int Successes
    {
        get
        {
            lock (_successes)
            {
                return _successes.Count;
            }
        }
    }

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Creates <paramref name="devices"/> accounts with one device each and starts their sync loops.</summary>
    public static async Task<SyncLoad> StartAsync(E2eClient client, int devices, string hint)
    {
        var created = await Task.WhenAll(Enumerable.Range(0, devices).Select(_ => client.NewAccountAsync(hint)));
        var load = new SyncLoad(client, created);
        load._loops = created.Select((d, i) => Task.Run(() => load.RunDeviceAsync(i, d))).ToArray();
        return load;
    }

    /// <summary>Waits until every device has completed <paramref name="count"/> requests that started at or after <paramref name="since"/>.</summary>
    public Task WaitForEveryDeviceAsync(TimeSpan since, int count, TimeSpan deadline, string because) =>
        Eventually.WaitAsync(
            () =>
            {
                ThrowIfLoopFaulted();
                return Enumerable.Range(0, _devices.Count).All(i => SuccessesSince(i, since) >= count);
            },
            deadline,
            because);

    /// <summary>When each device first completed a request that started at or after <paramref name="since"/> (null: not yet).</summary>
    public TimeSpan? AllDevicesSucceededAfter(TimeSpan since)
    {
        lock (_successes)
        {
            var firsts = Enumerable.Range(0, _devices.Count)
                .Select(i => _successes.Where(s => s.Device == i && s.Started >= since).Select(s => (TimeSpan?)s.Finished).Min())
                .ToList();
            return firsts.Any(f => f is null) ? null : firsts.Max();
        }
    }

    private int SuccessesSince(int device, TimeSpan since)
    {
        lock (_successes)
        {
            return _successes.Count(s => s.Device == device && s.Started >= since);
        }
    }

    /// <summary>Stops starting new items, lets every device finish the item it is on, and waits for the loops.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (Exception)
        {
            // Already reported by the test that awaited StopAsync.
        }

        _stop.Dispose();
    }

    private void ThrowIfLoopFaulted()
    {
        var faulted = _loops.FirstOrDefault(l => l.IsFaulted);
        if (faulted is not null)
        {
            faulted.GetAwaiter().GetResult();
        }
    }

    private async Task RunDeviceAsync(int index, E2eDevice device)
    {
        string? cursor = null;
        for (long id = 1; !_stop.IsCancellationRequested; id++)
        {
            var itemId = $"i-{id}";
            var body = E2eClient.Body(Collection, cursor, [E2eClient.PutNew(id, itemId)], limit: 1000);
            var itemStarted = _clock.Elapsed;
            while (true)
            {
                if (_clock.Elapsed - itemStarted > GiveUpOnItem)
                {
                    _violations.Enqueue($"{device.AccountId}: item {itemId} not acknowledged within {GiveUpOnItem}");
                    return;
                }

                var started = _clock.Elapsed;
                TimeSpan backoff;
                try
                {
                    var answer = await _client.SyncRawAsync(device, body);
                    if (answer.IsOk)
                    {
                        var part = answer.Json().GetProperty("collections")[0];
                        foreach (var problem in Acknowledged.Record(device.AccountId, part, new Dictionary<long, string> { [id] = itemId }))
                        {
                            _violations.Enqueue(problem);
                        }

                        if (part.GetProperty("resync").ValueKind != JsonValueKind.Null)
                        {
                            _violations.Enqueue($"{device.AccountId}: unexpected resync {part.GetProperty("resync")}");
                        }

                        cursor = part.GetProperty("cursor").GetString() ?? cursor;
                        lock (_successes)
                        {
                            _successes.Add((index, started, _clock.Elapsed));
                        }
                        break;
                    }

                    _failures.Enqueue($"t={started.TotalSeconds:F1}s..{_clock.Elapsed.TotalSeconds:F1}s {device.AccountId} item {itemId}: {(int)answer.Status} {answer.ProblemCode()}");
                    backoff = answer.Status == HttpStatusCode.ServiceUnavailable && answer.RetryAfter is { } after && after < MaxBackoff ? after : MaxBackoff;
                    if (answer.Status != HttpStatusCode.ServiceUnavailable)
                    {
                        backoff = ExceptionBackoff;
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException)
                {
                    _failures.Enqueue($"t={started.TotalSeconds:F1}s..{_clock.Elapsed.TotalSeconds:F1}s {device.AccountId} item {itemId}: {exception.GetType().Name} {exception.Message}");
                    backoff = ExceptionBackoff;
                }

                // A device's backoff between resends (honouring Retry-After, at most 1 s); not a wait for a condition.
                await Task.Delay(backoff);
            }
        }
    }
}
