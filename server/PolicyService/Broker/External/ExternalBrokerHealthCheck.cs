using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SmartTerminal.PolicyService.Broker.External;

/// <summary>
/// Healthy while this replica is connected to the external broker and, when it provisions logins
/// there, once the broker's deny-by-default baseline is in place (setting it up the first time ends
/// the service's own session once) and its retained policies were found or restored.
/// </summary>
public sealed class ExternalBrokerHealthCheck(ExternalBrokerConnection connection, RetainedPolicyRestore retained, MosquittoDynamicSecurity? provisioning) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            !connection.IsConnected ? HealthCheckResult.Unhealthy("not connected to the external broker")
            : provisioning is { BaselineSet: false } ? HealthCheckResult.Unhealthy("setting up the broker's dynamic security")
            : !retained.Checked ? HealthCheckResult.Unhealthy("checking the broker's retained policies")
            : HealthCheckResult.Healthy($"connected to the external broker as {connection.ClientId}"));
}
