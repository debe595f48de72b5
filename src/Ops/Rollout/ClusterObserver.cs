using System.Globalization;
using System.Text.Json;

namespace DeviceSync.Ops.Rollout;

/// <summary>What the rollout watches, through the gateway: the cluster view (<c>/v1/admin/cluster</c>) and the
/// gateway's count of server errors (<c>/metrics</c>), the errors devices would see.</summary>
public sealed class ClusterObserver(HttpClient gateway, string adminKey)
{
    private const string RequestsMetric = "devicesync_gateway_requests_total";
    private const string ShedMetric = "devicesync_gateway_admission_shed_total";
    private const string StatusLabel = "http_response_status_code=\"";

    public sealed record Silo(string Address, string Status, string? Version)
    {
        public bool IsActive => Status == "Active";
    }

    public async Task<IReadOnlyList<Silo>> SilosAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/cluster");
        request.Headers.Add("X-Admin-Key", adminKey);
        using var response = await gateway.SendAsync(request, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), cancellationToken: ct).ConfigureAwait(false);
        return json.RootElement.GetProperty("silos").EnumerateArray()
            .Select(s => new Silo(
                s.GetProperty("address").GetString() ?? "",
                s.GetProperty("status").GetString() ?? "",
                s.GetProperty("version").ValueKind == JsonValueKind.String ? s.GetProperty("version").GetString() : null))
            .ToList();
    }

    /// <summary>Requests the gateway has answered with a 5xx since it started, not counting its health routes (a
    /// <c>/readyz</c> 503 while it connects is how it says "not yet", not an error a device saw) nor the 503s of
    /// admission control (load shed with <c>Retry-After</c> because the gateway was at capacity: the load's doing,
    /// which a roll should not be stopped for; they are counted separately).</summary>
    public async Task<long> ServerErrorsAsync(CancellationToken ct)
    {
        var text = await gateway.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct).ConfigureAwait(false);
        return CountServerErrors(text);
    }

    internal static long CountServerErrors(string prometheusText)
    {
        long total = 0;
        long shed = 0;
        foreach (var line in prometheusText.Split('\n'))
        {
            if (line.StartsWith(ShedMetric, StringComparison.Ordinal)
                && double.TryParse(line.AsSpan(line.LastIndexOf(' ') + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var shedCount))
            {
                shed += (long)shedCount;
                continue;
            }

            if (!line.StartsWith(RequestsMetric, StringComparison.Ordinal)
                || line.Contains("http_route=\"/readyz\"", StringComparison.Ordinal)
                || line.Contains("http_route=\"/healthz\"", StringComparison.Ordinal))
            {
                continue;
            }

            var label = line.IndexOf(StatusLabel, StringComparison.Ordinal);
            var valueStart = line.LastIndexOf(' ');
            if (label < 0 || valueStart < 0
                || !int.TryParse(line.AsSpan(label + StatusLabel.Length, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status)
                || !double.TryParse(line.AsSpan(valueStart + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            if (status >= 500)
            {
                total += (long)value;
            }
        }

        return Math.Max(0, total - shed);
    }
}
