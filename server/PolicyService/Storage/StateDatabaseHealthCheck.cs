using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>Healthy while the state database answers a trivial query.</summary>
public sealed class StateDatabaseHealthCheck(StateDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var session = await database.ReadAsync(cancellationToken);
            await session.ScalarAsync<int>("SELECT 1");
            return HealthCheckResult.Healthy($"{session.Provider} answers");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("state database unreachable: " + e.Message);
        }
    }
}
