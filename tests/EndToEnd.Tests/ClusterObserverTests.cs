using DeviceSync.Ops.Rollout;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>The rollout's error signal: the gateway's 5xx answers, read from its Prometheus text.</summary>
public sealed class ClusterObserverTests
{
    [Fact]
    public void Counts_server_errors_of_the_gateway_request_counter_but_not_health_routes_or_shed_load()
    {
        const string metrics = """
            # TYPE devicesync_gateway_requests_total counter
            devicesync_gateway_requests_total{otel_scope_name="DeviceSync.Gateway",http_response_status_code="200",http_route="/v1/sync"} 1200
            devicesync_gateway_requests_total{otel_scope_name="DeviceSync.Gateway",http_response_status_code="503",http_route="/v1/sync"} 3
            devicesync_gateway_requests_total{otel_scope_name="DeviceSync.Gateway",http_response_status_code="500",http_route="/v1/devices"} 1
            devicesync_gateway_requests_total{otel_scope_name="DeviceSync.Gateway",http_response_status_code="429",http_route="/v1/sync"} 7
            devicesync_gateway_requests_total{otel_scope_name="DeviceSync.Gateway",http_response_status_code="503",http_route="/readyz"} 5
            devicesync_gateway_requests_total{otel_scope_name="DeviceSync.Gateway",http_response_status_code="503",http_route="/v1/devices"} 10
            devicesync_gateway_admission_shed_total{otel_scope_name="DeviceSync.Gateway",devicesync_reason="queue-full"} 6
            devicesync_gateway_admission_shed_total{otel_scope_name="DeviceSync.Gateway",devicesync_reason="queue-timeout"} 4
            http_server_request_duration_seconds_count{http_response_status_code="503"} 99
            """;

        Assert.Equal(4, ClusterObserver.CountServerErrors(metrics));
    }
}
