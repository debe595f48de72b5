using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Events;

/// <summary>
/// One provisioned account of an <c>events</c> run: its devices' sockets, and its writes being measured. Only the
/// harness writes to the run's collection and an account's writes are one after another, so the first <c>changed</c>
/// frame above the version before a write tells the socket of that write, whenever it arrives (also before the
/// write's answer: the frame and the answer race, and a negative delay is reported as such). A later write's frame
/// also tells of the earlier ones (events carry the latest version; coalescing may skip intermediate ones), so every
/// round stays armed until the run ends: a frame that comes after the delivery timeout is counted as late, not lost.
/// </summary>
public sealed class EventsAccount
{
    private readonly List<DeliveryRound> _rounds = [];

    public EventsAccount(string accountId, IReadOnlyList<Device> devices)
    {
        AccountId = accountId;
        Devices = devices;
        Sockets = [.. devices.Select((_, i) => new HarnessSocket(this, i))];
    }

    public string AccountId { get; }

    public IReadOnlyList<Device> Devices { get; }

    public IReadOnlyList<HarnessSocket> Sockets { get; }

    /// <summary>The collection's version after the last acknowledged write (0 before the first).</summary>
    public long Version { get; set; }

    /// <summary>Starts measuring the next write: frames above the current version count for it from now on.</summary>
    public DeliveryRound Arm()
    {
        var round = new DeliveryRound(Version, Sockets.Count);
        lock (_rounds)
        {
            _rounds.Add(round);
        }

        return round;
    }

    /// <summary>A write that was not acknowledged is not measured.</summary>
    public void Disarm(DeliveryRound round)
    {
        lock (_rounds)
        {
            _rounds.Remove(round);
        }
    }

    public void OnChanged(int socketIndex, long version, long arrivedAt)
    {
        lock (_rounds)
        {
            foreach (var round in _rounds)
            {
                if (version > round.Above)
                {
                    round.Arrived(socketIndex, arrivedAt);
                }
            }
        }
    }
}

/// <summary>When each socket of an account first heard of one write (a <see cref="System.Diagnostics.Stopwatch"/> timestamp; 0 = not yet).</summary>
public sealed class DeliveryRound(long above, int sockets)
{
    /// <summary>When the write's answer was read (a Stopwatch timestamp); 0 until then.</summary>
    public long AcknowledgedAt { get; set; }

    private readonly long[] _arrivedAt = new long[sockets];
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining = sockets;

    public long Above => above;

    public IReadOnlyList<long> ArrivedAt => _arrivedAt;

    /// <summary>Completes when every socket has had the event.</summary>
    public Task All => _all.Task;

    public void Arrived(int socketIndex, long arrivedAt)
    {
        // Timestamps are never 0 in practice (the Stopwatch counts from boot); a later frame keeps the first arrival.
        if (Interlocked.CompareExchange(ref _arrivedAt[socketIndex], arrivedAt, 0) == 0 && Interlocked.Decrement(ref _remaining) == 0)
        {
            _all.TrySetResult();
        }
    }

    /// <summary>Sockets that are known not to be listening any more need not be waited for.</summary>
    public void Skip(int socketIndex)
    {
        if (Interlocked.CompareExchange(ref _arrivedAt[socketIndex], -1, 0) == 0 && Interlocked.Decrement(ref _remaining) == 0)
        {
            _all.TrySetResult();
        }
    }
}
