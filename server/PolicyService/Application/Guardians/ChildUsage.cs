using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>A child's usage per local day and category, as its guardians read it (days cut in the child's time zone).</summary>
public sealed class ChildUsage(PairingService pairing, DeviceRegistry devices, PolicyResolver resolver, UsageQueries usage, Ingestion.UplinkWatermarks watermarks)
{
    public const int MaxDays = 92;

    /// <summary>The rows, and the time before which they hold every use (null while not known).</summary>
    public async Task<(IReadOnlyList<DailyUsage> Rows, DateTimeOffset? CompleteThrough)> DailyAsync(Caller caller, string deviceId, string fromDay, string toDay, CancellationToken cancellationToken)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        if (!DateOnly.TryParseExact(fromDay, "yyyy-MM-dd", out var from) || !DateOnly.TryParseExact(toDay, "yyyy-MM-dd", out var to) || to < from)
        {
            throw new InvalidInputException("from_day", "from_day and to_day are local days YYYY-MM-DD, from_day first");
        }

        if (to.DayNumber - from.DayNumber >= MaxDays)
        {
            throw new InvalidInputException("to_day", $"at most {MaxDays} days per request");
        }

        // Read before the rows: what is complete by then is in them.
        var complete = await watermarks.UsageCompleteThroughAsync(deviceId);
        var rows = await TelemetryReads.RunAsync(usage.Enabled, async () =>
        {
            var device = await devices.FindAsync(deviceId) ?? throw new NotFoundException("device", deviceId);
            var settings = (await resolver.ResolveAsync(device)).Settings;
            var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.HasTimeZone ? settings.TimeZone : "Etc/UTC");
            return await usage.DailyUsageAsync(deviceId, from, to, zone, cancellationToken);
        });
        return (rows, complete > 0 ? DateTimeOffset.FromUnixTimeSeconds(complete) : null);
    }
}
