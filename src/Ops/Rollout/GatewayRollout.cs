using System.Diagnostics;
using System.Globalization;

namespace DeviceSync.Ops.Rollout;

/// <summary>
/// Replaces gateways one at a time with a new build. Gateways hold no state: each step stops one gracefully (it
/// finishes the requests it has; behind a load balancer, its readiness has already taken it out of rotation), starts
/// the new build with the same settings, waits until its <c>/readyz</c> says it reaches the cluster, then watches its
/// server errors for a while. With a single gateway (run.sh) devices get connection errors for the few seconds of the
/// restart and retry (PROTOCOL.md: resend the same request), so nothing is lost and, within their retries, nothing
/// fails.
/// </summary>
public sealed class GatewayRollout(HttpClient http, RolloutOptions options, TextWriter log, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<SiloRollout.Report> RunAsync(IReadOnlyList<IServiceInstance> gateways, string buildDirectory, string expectedVersion, CancellationToken ct)
    {
        var steps = new List<SiloRollout.Step>();
        foreach (var gateway in gateways)
        {
            var started = Stopwatch.GetTimestamp();
            Write($"{gateway.Name}: stopping (grace {options.StopGrace.TotalSeconds:0} s)");
            var graceful = await gateway.StopAsync(options.StopGrace, ct).ConfigureAwait(false);
            if (!graceful)
            {
                Write($"{gateway.Name}: did not stop within the grace period and was killed");
            }

            Write($"{gateway.Name}: starting the new build from {buildDirectory}");
            await gateway.StartAsync(buildDirectory, ct).ConfigureAwait(false);
            if (!await Readiness.WaitUntilAsync(() => Readiness.IsReadyAsync(http, gateway.HttpAddress, ct), options.JoinTimeout, _time, ct).ConfigureAwait(false))
            {
                steps.Add(new SiloRollout.Step(gateway.Name, Stopwatch.GetElapsedTime(started), graceful, 0, null));
                return Fail($"{gateway.Name}: the new build did not become ready within {options.JoinTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(options.Settle, _time, ct).ConfigureAwait(false);

            // A new process: its counters start at zero, so what it reports now is what this step cost.
            using var own = new HttpClient { BaseAddress = gateway.HttpAddress, Timeout = http.Timeout };
            var errors = await new ClusterObserver(own, adminKey: "").ServerErrorsAsync(ct).ConfigureAwait(false);
            var step = new SiloRollout.Step(gateway.Name, Stopwatch.GetElapsedTime(started), graceful, errors, expectedVersion);
            steps.Add(step);
            Write(string.Create(CultureInfo.InvariantCulture, $"{gateway.Name}: replaced in {step.Duration.TotalSeconds:0.0} s; server errors since it started: {errors}"));
            if (errors > options.MaxNewErrors)
            {
                return Fail($"{gateway.Name}: it answered {errors} server errors after its replacement (allowed {options.MaxNewErrors}); stopping");
            }
        }

        return new SiloRollout.Report(true, null, steps, expectedVersion);

        SiloRollout.Report Fail(string reason)
        {
            Write("STOPPED: " + reason);
            return new SiloRollout.Report(false, reason, steps, expectedVersion);
        }
    }

    private void Write(string line) =>
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[rollout {_time.GetUtcNow():HH:mm:ss}] {line}"));
}
