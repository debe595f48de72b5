using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Telemetry;

namespace DeviceSync.Grains.Collections;

/// <summary>
/// The gateways one collection activation let answer no-change syncs themselves, and until when by this activation's
/// clock (docs/adr/0014-no-change-leases.md). Used only inside the grain's turns, so it needs no lock.
/// </summary>
internal sealed class NoChangeLeases(IGrainFactory grains, TimeProvider time)
{
    private readonly Dictionary<GrainId, long> _expiries = [];

    /// <summary>
    /// Records a lease. The grain counts from now, later than the gateway, which counts from when it sent the request; the
    /// margin covers two clocks running at slightly different rates over a second or two.
    /// </summary>
    public void Grant(GrainId holder, TimeSpan lease)
    {
        // The clock is monotonic and the lease fixed, so a new grant to the same holder never ends before its last one.
        _expiries[holder] = time.GetTimestamp() + (long)((lease.TotalSeconds * 1.1 + 0.05) * time.TimestampFrequency);
        GrainTelemetry.LeasesGranted.Add(1);
    }

    /// <summary>
    /// Ends every lease before the caller acknowledges a commit: each holder confirms, or is waited out to the end of
    /// its lease (a dead or unreachable gateway). Never throws; completes at once when no lease is live.
    /// </summary>
    public Task RevokeAsync(string accountId, string collection)
    {
        if (_expiries.Count == 0)
        {
            return Task.CompletedTask;
        }

        var now = time.GetTimestamp();
        var live = _expiries.Where(e => e.Value > now).ToArray();
        _expiries.Clear();
        return live.Length == 0
            ? Task.CompletedTask
            : Task.WhenAll(live.Select(e => RevokeAsync(e.Key, e.Value, accountId, collection)));
    }

    private async Task RevokeAsync(GrainId holder, long expires, string accountId, string collection)
    {
        try
        {
            await grains.GetGrain<ISyncLeaseHolder>(holder).RevokeAsync(accountId, collection).WaitAsync(Remaining(expires), time);
            GrainTelemetry.LeaseRevocations.Add(1, new KeyValuePair<string, object?>("outcome", "confirmed"));
            return;
        }
        catch (Exception)
        {
            // Any failure (the gateway is gone, the call timed out) leaves the lease possibly in use: wait it out below.
        }

        GrainTelemetry.LeaseRevocations.Add(1, new KeyValuePair<string, object?>("outcome", "waited"));
        var remaining = Remaining(expires);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, time);
        }
    }

    private TimeSpan Remaining(long expires)
    {
        var now = time.GetTimestamp();
        return now >= expires ? TimeSpan.Zero : time.GetElapsedTime(now, expires);
    }
}
