using System.Globalization;
using System.Text;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Events;

/// <summary>What one harness process of an <c>events</c> run measured (<c>events.json</c>, <c>events.md</c>).</summary>
public sealed record EventsResult
{
    public string CommandLine { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public string Gateway { get; init; } = "";
    public string Shard { get; init; } = "0/1";
    public IReadOnlyList<string> SourceAddresses { get; init; } = [];
    public string Collection { get; init; } = "";
    public int Accounts { get; init; }
    public int Devices { get; init; }
    public double ProvisionSeconds { get; init; }

    public int SocketsWanted { get; init; }
    public int SocketsOpened { get; init; }
    public IReadOnlyDictionary<string, int> ConnectFailures { get; init; } = new Dictionary<string, int>();
    public int ConnectRetries { get; init; }
    public double ConnectSeconds { get; init; }
    public double SocketsPerSecond { get; init; }
    public LatencySummary HandshakeMs { get; init; } = LatencySummary.From([]);

    /// <summary>Sockets still open after the idle hold, and why the others ended (e.g. <c>closed-1001</c>, <c>dropped</c>).</summary>
    public int SocketsOpenAfterHold { get; init; }
    public IReadOnlyDictionary<string, int> SocketsEnded { get; init; } = new Dictionary<string, int>();
    public double HoldSeconds { get; init; }

    /// <summary>The harness's own cost: managed heap after a full GC and resident set, before connecting and while holding.</summary>
    public long HarnessHeapBeforeBytes { get; init; }
    public long HarnessHeapHoldingBytes { get; init; }
    public long HarnessRssBeforeBytes { get; init; }
    public long HarnessRssHoldingBytes { get; init; }
    public double HarnessHeapBytesPerSocket { get; init; }
    public double HarnessRssBytesPerSocket { get; init; }

    public int WriteAccounts { get; init; }
    public int WritesAcknowledged { get; init; }
    public IReadOnlyDictionary<string, int> WriteFailures { get; init; } = new Dictionary<string, int>();
    public LatencySummary WriteMs { get; init; } = LatencySummary.From([]);

    /// <summary>One expected delivery per receiving socket per acknowledged write.</summary>
    public long DeliveriesExpected { get; init; }
    /// <summary>Deliveries within the delivery timeout of the write's answer.</summary>
    public long Delivered { get; init; }

    /// <summary>Deliveries that came, but after the delivery timeout (their delays are in <see cref="DeliveryMs"/> too).</summary>
    public long Late { get; init; }

    /// <summary>Deliveries that never came (within the run plus one more delivery timeout).</summary>
    public long Missing { get; init; }

    /// <summary>Deliveries not expected any more because the socket had ended (also counted in <see cref="SocketsEnded"/>).</summary>
    public long ToEndedSockets { get; init; }

    /// <summary>From the write's acknowledgement (its sync's answer read) to the <c>changed</c> frame; negative: the frame came first.</summary>
    public LatencySummary DeliveryMs { get; init; } = LatencySummary.From([]);
    public double WritesSeconds { get; init; }
    public int ExitCode { get; init; }

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.AppendLine(c, $"# events run, shard {Shard}");
        b.AppendLine();
        b.AppendLine(c, $"`{CommandLine}`");
        b.AppendLine();
        b.AppendLine(c, $"Started {StartedAt:u} against {Gateway}; sources {string.Join(", ", SourceAddresses)}; exit code {ExitCode}.");
        b.AppendLine();
        b.AppendLine("| what | figure |");
        b.AppendLine("| --- | ---: |");
        b.AppendLine(c, $"| accounts × devices provisioned | {Accounts} / {Devices} ({ProvisionSeconds:F1} s) |");
        b.AppendLine(c, $"| sockets opened / wanted | {SocketsOpened:N0} / {SocketsWanted:N0} |");
        b.AppendLine(c, $"| ramp-up | {ConnectSeconds:F1} s, {SocketsPerSecond:F0} sockets/s, {ConnectRetries} retries |");
        b.AppendLine(c, $"| handshake ms p50 / p99 / max | {HandshakeMs.P50:F0} / {HandshakeMs.P99:F0} / {HandshakeMs.Max:F0} |");
        b.AppendLine(c, $"| connect failures | {Describe(ConnectFailures)} |");
        b.AppendLine(c, $"| open after {HoldSeconds:F0} s idle | {SocketsOpenAfterHold:N0} |");
        b.AppendLine(c, $"| sockets ended | {Describe(SocketsEnded)} |");
        b.AppendLine(c, $"| harness heap per socket (after GC) | {HarnessHeapBytesPerSocket:F0} B |");
        b.AppendLine(c, $"| harness RSS per socket | {HarnessRssBytesPerSocket:F0} B |");
        b.AppendLine(c, $"| writes acknowledged ({WriteAccounts} accounts) | {WritesAcknowledged} in {WritesSeconds:F1} s |");
        b.AppendLine(c, $"| write ms p50 / p99 / max | {WriteMs.P50:F0} / {WriteMs.P99:F0} / {WriteMs.Max:F0} |");
        b.AppendLine(c, $"| write failures | {Describe(WriteFailures)} |");
        b.AppendLine(c, $"| deliveries expected / in time / late / missing / to ended sockets | {DeliveriesExpected:N0} / {Delivered:N0} / {Late:N0} / {Missing:N0} / {ToEndedSockets:N0} |");
        b.AppendLine(c, $"| **delivery ms p50 / p90 / p99 / max** | **{DeliveryMs.P50:F0} / {DeliveryMs.P90:F0} / {DeliveryMs.P99:F0} / {DeliveryMs.Max:F0}** |");
        return b.ToString();
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} ×{p.Value}"));
}
