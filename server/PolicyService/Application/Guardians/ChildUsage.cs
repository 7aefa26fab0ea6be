using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>A child's usage per local day and category, as its guardians read it (days cut in the child's time zone).</summary>
public sealed class ChildUsage(PairingService pairing, DeviceRegistry devices, PolicyResolver resolver, UsageQueries usage)
{
    public const int MaxDays = 92;

    public async Task<IReadOnlyList<DailyUsage>> DailyAsync(Caller caller, string deviceId, string fromDay, string toDay, CancellationToken cancellationToken)
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

        return await TelemetryReads.RunAsync(usage.Enabled, async () =>
        {
            var device = await devices.FindAsync(deviceId) ?? throw new NotFoundException("device", deviceId);
            var settings = (await resolver.ResolveAsync(device)).Settings;
            var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.HasTimeZone ? settings.TimeZone : "Etc/UTC");
            return await usage.DailyUsageAsync(deviceId, from, to, zone, cancellationToken);
        });
    }
}
