using System.Diagnostics;
using System.Globalization;

namespace DeviceSync.Ops.Rollout;

/// <summary>
/// Replaces silos one at a time with a new build. Before each: every silo of the cluster is Active. Each step: stop the
/// silo gracefully (its grains move to the others), start the new build with the same settings, wait until it is
/// ready and the cluster sees it Active with the new build, then watch the gateway's server errors for a while. Stops
/// at the first step that fails or lets errors rise, leaving the silos not yet replaced as they were.
/// </summary>
public sealed class SiloRollout(ClusterObserver cluster, RolloutOptions options, TextWriter log, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public sealed record Step(string Name, TimeSpan Duration, bool StoppedGracefully, long NewErrors, string? VersionAfter);

    public sealed record Report(bool Completed, string? FailedReason, IReadOnlyList<Step> Steps, string ExpectedVersion);

    public async Task<Report> RunAsync(IReadOnlyList<IServiceInstance> silos, string buildDirectory, string expectedVersion, CancellationToken ct)
    {
        var steps = new List<Step>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clusterSize = silos.Count;
        foreach (var silo in silos)
        {
            var started = Stopwatch.GetTimestamp();
            if (await WaitUntilAsync(async () => (await cluster.SilosAsync(ct).ConfigureAwait(false)).Count(s => s.IsActive) >= clusterSize, options.JoinTimeout, ct).ConfigureAwait(false) is false)
            {
                return Fail($"before replacing {silo.Name}: fewer than {clusterSize} silos are Active; nothing more was changed");
            }

            var errorsBefore = await cluster.ServerErrorsAsync(ct).ConfigureAwait(false);
            Write($"{silo.Name}: stopping (grace {options.StopGrace.TotalSeconds:0} s)");
            var graceful = await silo.StopAsync(options.StopGrace, ct).ConfigureAwait(false);
            if (!graceful)
            {
                Write($"{silo.Name}: did not stop within the grace period and was killed");
            }

            // Count the silos already on the new build once this one has left, so the new one is recognised by the count
            // going up (also when rolling to the build already running, or when its manifest reaches the gateway late).
            var upgraded = 0;
            await WaitUntilAsync(
                async () =>
                {
                    var view = await cluster.SilosAsync(ct).ConfigureAwait(false);
                    upgraded = view.Count(s => s.IsActive && s.Version == expectedVersion);
                    return view.Count(s => s.IsActive) < clusterSize;
                },
                options.JoinTimeout,
                ct).ConfigureAwait(false);

            Write($"{silo.Name}: starting the new build from {buildDirectory}");
            await silo.StartAsync(buildDirectory, ct).ConfigureAwait(false);
            var ready = await WaitUntilAsync(() => Readiness.IsReadyAsync(http, silo.HttpAddress, ct), options.JoinTimeout, ct).ConfigureAwait(false);
            if (ready)
            {
                Write($"{silo.Name}: ready; waiting for the cluster to see it Active on the new build");
            }

            var joined = ready && await WaitUntilAsync(
                async () =>
                {
                    var view = await cluster.SilosAsync(ct).ConfigureAwait(false);
                    return view.Count(s => s.IsActive) >= clusterSize && view.Count(s => s.IsActive && s.Version == expectedVersion) > upgraded;
                },
                options.JoinTimeout,
                ct).ConfigureAwait(false);
            if (!joined)
            {
                steps.Add(new Step(silo.Name, Stopwatch.GetElapsedTime(started), graceful, 0, null));
                return Fail($"{silo.Name}: the new build did not become ready and Active within {options.JoinTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(options.Settle, _time, ct).ConfigureAwait(false);
            var newErrors = await cluster.ServerErrorsAsync(ct).ConfigureAwait(false) - errorsBefore;
            var versions = (await cluster.SilosAsync(ct).ConfigureAwait(false)).Where(s => s.IsActive).Select(s => s.Version ?? "?").ToList();
            var step = new Step(silo.Name, Stopwatch.GetElapsedTime(started), graceful, newErrors, expectedVersion);
            steps.Add(step);
            Write(string.Create(
                CultureInfo.InvariantCulture,
                $"{silo.Name}: replaced in {step.Duration.TotalSeconds:0.0} s; server errors during the step: {newErrors}; active builds: {string.Join(", ", versions.GroupBy(v => v).Select(g => $"{g.Key} x{g.Count()}"))}"));
            if (newErrors > options.MaxNewErrors)
            {
                return Fail($"{silo.Name}: the gateway answered {newErrors} server errors during its replacement (allowed {options.MaxNewErrors}); stopping");
            }
        }

        return new Report(true, null, steps, expectedVersion);

        Report Fail(string reason)
        {
            Write("STOPPED: " + reason);
            return new Report(false, reason, steps, expectedVersion);
        }
    }

    private Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken ct) =>
        Readiness.WaitUntilAsync(condition, timeout, _time, ct);

    private void Write(string line) =>
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[rollout {_time.GetUtcNow():HH:mm:ss}] {line}"));
}
