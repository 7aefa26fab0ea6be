using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SmartTerminal.PolicyService.Broker.External;

/// <summary>Healthy while this replica is connected to the external broker.</summary>
public sealed class ExternalBrokerHealthCheck(ExternalBrokerConnection connection) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(connection.IsConnected
            ? HealthCheckResult.Healthy($"connected to the external broker as {connection.ClientId}")
            : HealthCheckResult.Unhealthy("not connected to the external broker"));
}
