using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>Healthy while the embedded broker accepts connections.</summary>
public sealed class BrokerHealthCheck(EmbeddedMqttBroker broker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(broker.IsStarted
            ? HealthCheckResult.Healthy($"embedded broker on port {broker.Port}")
            : HealthCheckResult.Unhealthy("embedded broker not started"));
}
