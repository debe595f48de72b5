using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Cryptography;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>
/// Creates accounts and devices through <c>POST /v1/admin/provision</c>, in batches, a few calls at a time,
/// and measures the rate (devices/s).
/// </summary>
public static class Provisioner
{
    /// <summary>The gateway accepts at most this many accounts in one call.</summary>
    public const int MaxAccountsPerCall = 1000;

    /// <summary>Calls in flight at once by default: each call already works on several accounts at a time in the gateway.</summary>
    public const int DefaultConcurrentCalls = 4;

    private const int AccountsPerCall = 100;

    /// <summary>
    /// How long one batch is resent after a 503 or a lost answer before provisioning gives up. Resending is safe (the
    /// provision id makes it idempotent), so a long run rides out a storage stall rather than dying in it; five quick
    /// attempts stopped an 8,600-account run (docs/benchmarks.md, "Provisioning 100,000 accounts").
    /// </summary>
    public static readonly TimeSpan DefaultRetryFor = TimeSpan.FromMinutes(2);

    /// <summary>The backoff grows by this much per attempt, up to <see cref="MaxBackoff"/> (plus jitter, or the gateway's Retry-After).</summary>
    public static readonly TimeSpan DefaultBackoffStep = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public static Task<(PhaseResult Phase, IReadOnlyList<Device> Devices)> ProvisionAsync(
        WorkloadContext context, IReadOnlyList<ProvisionAccount> accounts, CancellationToken ct) =>
        ProvisionAsync(context.Client, accounts, AccountsPerCall, ct);

    /// <summary>Provisions <paramref name="accounts"/> in calls of <paramref name="accountsPerCall"/> (at most 1000); the devices come back in account order.</summary>
    public static async Task<(PhaseResult Phase, IReadOnlyList<Device> Devices)> ProvisionAsync(
        GatewayClient client, IReadOnlyList<ProvisionAccount> accounts, int accountsPerCall, CancellationToken ct)
    {
        var batchSize = Math.Clamp(accountsPerCall, 1, MaxAccountsPerCall);
        var results = new IReadOnlyList<Device>[(accounts.Count + batchSize - 1) / batchSize];
        var phase = await ProvisionAsync(client, accounts, batchSize, DefaultConcurrentCalls, (b, body) =>
            results[b] = [.. body.Accounts.SelectMany(a => a.Devices.Select(d => new Device(a.AccountId, d.DeviceId, d.Token)))], ct);
        var all = results.SelectMany(r => r).ToList();
        var wanted = accounts.Sum(a => a.Devices);
        if (all.Count < wanted)
        {
            throw new BenchAbortedException($"provisioning returned {all.Count} devices, asked for {wanted}");
        }

        return (phase, all);
    }

    /// <summary>
    /// Provisions <paramref name="accounts"/> in calls of <paramref name="accountsPerCall"/>, <paramref name="concurrentCalls"/>
    /// at a time, and hands each call's answer (with its batch index) to <paramref name="onBatch"/>, which may run
    /// on several threads at once. Keeps no tokens itself, so a million devices cost the caller only what it keeps.
    /// </summary>
    public static async Task<PhaseResult> ProvisionAsync(
        GatewayClient client, IReadOnlyList<ProvisionAccount> accounts, int accountsPerCall, int concurrentCalls,
        Action<int, ProvisionResponse> onBatch, CancellationToken ct, TimeSpan? retryFor = null, TimeSpan? backoffStep = null)
    {
        ArgumentNullException.ThrowIfNull(onBatch);
        var budget = retryFor ?? DefaultRetryFor;
        var step = backoffStep ?? DefaultBackoffStep;
        var batches = accounts.Chunk(Math.Clamp(accountsPerCall, 1, MaxAccountsPerCall)).ToList();
        var stats = Enumerable.Range(0, Math.Min(Math.Max(concurrentCalls, 1), batches.Count)).Select(_ => new WorkerStats()).ToArray();
        var next = -1;
        var started = Stopwatch.GetTimestamp();

        // One secret for the whole provisioning, kept only in memory: a resent batch (its answer lost, or a 503) gets the
        // very devices and tokens the first attempt created, never more devices than asked (docs/protocol.md, section 4).
        var provisionId = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await Task.WhenAll(stats.Select(async s =>
        {
            int b;
            while ((b = Interlocked.Increment(ref next)) < batches.Count)
            {
                var request = new ProvisionRequest(batches[b]) { ProvisionId = provisionId };
                var firstSent = Stopwatch.GetTimestamp();
                var call = await client.ProvisionAsync(request, ct);
                var attempt = 1;
                for (; call.IsRetryable && Stopwatch.GetElapsedTime(firstSent) < budget; attempt++)
                {
                    // 503 or no answer: safe to resend, the provision id makes it idempotent.
                    s.RecordError(call.ErrorKey);
                    var backoff = TimeSpan.FromTicks(Math.Min(step.Ticks * attempt, MaxBackoff.Ticks));
                    await Task.Delay(Run.RetryDelay.Next(call.RetryAfter, backoff, Random.Shared), ct);
                    call = await client.ProvisionAsync(request, ct);
                }

                if (!call.Succeeded)
                {
                    s.RecordError(call.ErrorKey);
                    throw new BenchAbortedException(call.IsRetryable
                        ? $"provisioning failed: {call.ErrorKey} after {attempt} attempts in {Stopwatch.GetElapsedTime(firstSent).TotalSeconds:F0} s"
                        : $"provisioning failed: {call.ErrorKey} (is --admin-key right?)");
                }

                s.RecordSuccess(call.Elapsed, call.Body!.Accounts.Sum(a => a.Devices.Count));
                onBatch(b, call.Body);
            }
        }));
        return PhaseResult.Merge("provision", "devices", Stopwatch.GetElapsedTime(started), stats);
    }
}
