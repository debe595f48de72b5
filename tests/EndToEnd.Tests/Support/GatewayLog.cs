using System.Text.RegularExpressions;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>The gateway's own account of failures: its retry, give-up and problem-answer log lines, counted.</summary>
public static partial class GatewayLog
{
    /// <summary>Lines like <c>12x Gave up on Collection.Sync after 1 attempts; last failure TimeoutException</c>, most frequent first.</summary>
    public static string Summarize(ServiceProcess gateway, int max = 20) =>
        string.Join('\n', gateway.Tail(100_000).Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("Retrying", StringComparison.Ordinal) || l.StartsWith("Gave up", StringComparison.Ordinal)
                || l.StartsWith("Answered", StringComparison.Ordinal) || l.StartsWith("Unexpected", StringComparison.Ordinal))
            .Select(l => Attempt().Replace(l, "(attempt n)"))
            .GroupBy(l => l)
            .OrderByDescending(g => g.Count())
            .Take(max)
            .Select(g => $"{g.Count()}x {g.Key}"));

    [GeneratedRegex(@"\(attempt \d+\)")]
    private static partial Regex Attempt();
}
