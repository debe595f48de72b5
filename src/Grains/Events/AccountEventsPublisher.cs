using System.Threading.Channels;
using DeviceSync.Contracts.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Events;

/// <summary>
/// Carries commit and revocation notifications from the grains of this silo to the account events grains, off the
/// commit path: <see cref="CollectionChanged"/> and <see cref="DeviceRevoked"/> only enqueue (a bounded queue;
/// when it is full the notification is dropped and counted) and return at once. A background loop sends them, a bounded
/// number at a time, and retries one that failed because a silo was lost, for <see cref="RetryWindow"/>: that is what
/// lets a change committed while the events grain's silo was dying still reach the new activation, which replays it
/// to gateways when they subscribe again (docs/adr/0006-change-events.md).
/// </summary>
public sealed class AccountEventsPublisher : BackgroundService
{
    /// <summary>Longer than the cluster takes to declare a crashed silo dead (a few seconds with our membership settings).</summary>
    internal static readonly TimeSpan RetryWindow = TimeSpan.FromSeconds(20);

    private const int MaxInFlight = 256;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    private readonly Channel<AccountNotification> _queue;
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly ILogger<AccountEventsPublisher> _logger;
    private readonly int _capacity;
    private int _fullLogged;

    public AccountEventsPublisher(IGrainFactory grains, IOptions<AccountEventsOptions> options, TimeProvider time, ILogger<AccountEventsPublisher> logger)
    {
        _grains = grains;
        _time = time;
        _logger = logger;
        _capacity = options.Value.MaxPendingNotifications;
        _queue = Channel.CreateBounded<AccountNotification>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting: the caller drops and counts
            SingleReader = true,
        });
    }

    /// <summary>Called by a collection grain after a commit is durable and applied. Never blocks, never throws.</summary>
    public void CollectionChanged(string accountId, string collection, long version) =>
        Enqueue(new AccountNotification(accountId, collection, version, null));

    /// <summary>Called by the account grain after a revocation is durable.</summary>
    public void DeviceRevoked(string accountId, string deviceId) =>
        Enqueue(new AccountNotification(accountId, null, 0, deviceId));

    private void Enqueue(AccountNotification notification)
    {
        if (_queue.Writer.TryWrite(notification))
        {
            Volatile.Write(ref _fullLogged, 0);
            return;
        }

        EventsTelemetry.NotificationsDropped.Add(1, new KeyValuePair<string, object?>("reason", "queue-full"));
        if (Interlocked.Exchange(ref _fullLogged, 1) == 0)
        {
            Log.QueueFull(_logger, _capacity);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(MaxInFlight);
        try
        {
            await foreach (var notification in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                _ = SendAndReleaseAsync(notification, slots, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo is stopping: what is still queued is lost; devices sync after they reconnect anyway.
        }
    }

    private async Task SendAndReleaseAsync(AccountNotification notification, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await SendAsync(notification, stoppingToken);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task SendAsync(AccountNotification notification, CancellationToken stoppingToken)
    {
        var started = _time.GetTimestamp();
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var events = _grains.GetGrain<IAccountEventsGrain>(notification.AccountId);
                await (notification.RevokedDeviceId is { } deviceId
                    ? events.DeviceRevokedAsync(deviceId)
                    : events.CollectionChangedAsync(notification.Collection!, notification.Version));
                EventsTelemetry.NotificationsSent.Add(1);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The grain does nothing that fails on its own; a failure means its silo went away (or the call timed
                // out on the way there). Retry until the cluster has placed a new activation elsewhere.
                if (_time.GetElapsedTime(started) + delay > RetryWindow)
                {
                    EventsTelemetry.NotificationsDropped.Add(1, new KeyValuePair<string, object?>("reason", "unreachable"));
                    Log.NotificationDropped(_logger, notification.AccountId, attempt, ex.GetType().Name);
                    return;
                }

                try
                {
                    await Task.Delay(delay, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (Exception)
            {
                return; // stopping
            }
        }
    }
}
