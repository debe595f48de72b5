using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Backup;

/// <summary>
/// Reads the restore drill's verification records from the backup store every <see cref="BackupOptions.VerificationRefresh"/>
/// and publishes how old the last verified backup is, so an alert fires when drills stop passing.
/// </summary>
public sealed class BackupVerificationMonitor(BackupConnection connection, IOptions<BackupOptions> options, TimeProvider time, ILogger<BackupVerificationMonitor> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (connection.Store is not { } store)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(store, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.VerificationReadFailed(logger, ex);
            }

            try
            {
                await Task.Delay(options.Value.VerificationRefresh, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    internal async Task RefreshAsync(BackupStore store, CancellationToken ct)
    {
        var latest = await store.ReadRecordAsync(VerificationRecord.LatestName, ct).ConfigureAwait(false) is { } a ? VerificationRecord.FromJson(a) : null;
        var verified = await store.ReadRecordAsync(VerificationRecord.LastVerifiedName, ct).ConfigureAwait(false) is { } b ? VerificationRecord.FromJson(b) : null;
        var (age, ok) = Judge(latest, verified, time.GetUtcNow(), options.Value.MaxUnverifiedAge);
        BackupTelemetry.SetVerification(age, ok);
    }

    /// <summary>The age of the last verified backup point (-1: never verified) and whether the backup counts as verified:
    /// the latest drill passed and its point is younger than <paramref name="maxAge"/>.</summary>
    public static (double AgeSeconds, bool Verified) Judge(VerificationRecord? latest, VerificationRecord? lastVerified, DateTimeOffset now, TimeSpan maxAge)
    {
        if (lastVerified is not { Passed: true } passed)
        {
            return (-1, false);
        }

        var age = Math.Max(0, (now - passed.BackupPoint).TotalSeconds);
        return (age, latest is { Passed: true } && age <= maxAge.TotalSeconds);
    }
}
