using SmartTerminal.PolicyService.Errors;

namespace SmartTerminal.PolicyService.Application;

/// <summary>How a use case reading InfluxDB fails: not configured, or unreachable, as domain errors.</summary>
internal static class TelemetryReads
{
    public static async Task<T> RunAsync<T>(bool enabled, Func<Task<T>> query)
    {
        if (!enabled)
        {
            throw new PreconditionFailedException("telemetry storage is not configured (Influx:Url)");
        }

        try
        {
            return await query();
        }
        catch (HttpRequestException e)
        {
            throw new DependencyUnavailableException("telemetry database unavailable: " + e.Message);
        }
    }
}
