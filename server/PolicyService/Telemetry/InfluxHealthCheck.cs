using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Ingestion;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// Healthy while InfluxDB answers /ping (served by 1.x, 2.x and 3.x) and the last write succeeded;
/// degraded when telemetry storage is not configured (the service runs, but acknowledges no uplink).
/// </summary>
public sealed class InfluxHealthCheck(IOptions<InfluxOptions> options, IHttpClientFactory httpClients, TelemetryOutage outage) : IHealthCheck
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(options.Value.Url))
        {
            return HealthCheckResult.Degraded("telemetry storage is not configured (Influx:Url): no uplink is acknowledged");
        }

        if (outage.IsDown)
        {
            return HealthCheckResult.Unhealthy("InfluxDB writes are failing");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        try
        {
            using var response = await httpClients.CreateClient("influx").GetAsync(new Uri(new Uri(options.Value.Url), "ping"), timeout.Token);
            return response.IsSuccessStatusCode ? HealthCheckResult.Healthy("InfluxDB answers") : HealthCheckResult.Unhealthy($"InfluxDB /ping answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("InfluxDB unreachable: " + e.Message);
        }
    }
}
