using DeviceSync.Gateway.Cluster;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Events;

/// <summary>
/// Keeps every account's subscription alive: renews all of them every <see cref="EventsOptions.SubscriptionRefresh"/>,
/// and at once when the gateway sees a silo go (<see cref="SiloLossSignal"/>), since the client cannot tell which
/// accounts' events grains lived there. A renewal that reaches a new activation replays what it has seen
/// (<see cref="EventHub.RenewAsync"/>).
/// </summary>
public sealed class EventSubscriptionRenewer(
    EventHub hub,
    SiloLossSignal siloLoss,
    IOptions<EventsOptions> options,
    TimeProvider time,
    ILogger<EventSubscriptionRenewer> logger) : BackgroundService
{
    /// <summary>Renewals in flight at once: a burst after a silo loss must not flood the cluster that is recovering.</summary>
    private const int Parallelism = 32;

    /// <summary>
    /// After a silo loss, renew again this long after the first pass: a renewal that raced the cluster's death
    /// declaration may have reached the old activation's silo before it was known dead, and the
    /// new activation must be found before devices miss more than a few seconds of changes.
    /// </summary>
    private static readonly TimeSpan SecondPassAfterLoss = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var refresh = options.Value.SubscriptionRefresh;
        while (!stoppingToken.IsCancellationRequested)
        {
            var lost = siloLoss.NextLoss;
            var period = Task.Delay(refresh, time, stoppingToken);
            try
            {
                if (await Task.WhenAny(lost, period) == lost)
                {
                    await RenewAllAsync("silo-loss", stoppingToken);
                    await Task.Delay(SecondPassAfterLoss, time, stoppingToken);
                    await RenewAllAsync("silo-loss", stoppingToken);
                }
                else
                {
                    await period;
                    await RenewAllAsync("refresh", stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task RenewAllAsync(string reason, CancellationToken stoppingToken)
    {
        var accounts = hub.Accounts.Select(hub.Find).OfType<AccountSockets>().Where(a => a.Incarnation is not null).ToList();
        if (accounts.Count == 0)
        {
            return;
        }

        if (reason != "refresh")
        {
            Log.Renewing(logger, accounts.Count, reason);
        }

        await Parallel.ForEachAsync(
            accounts,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken },
            async (account, ct) => await hub.RenewAsync(account, reason, ct));
    }
}
