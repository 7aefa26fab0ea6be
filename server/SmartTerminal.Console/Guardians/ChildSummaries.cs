using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.SignIn;

namespace SmartTerminal.WebConsole.Guardians;

/// <summary>One child's device at a glance: today's use against the daily limit, and whether the device runs its policy.</summary>
public sealed record ChildSummary(
    string DeviceId,
    string ChildName,
    bool Owner,
    string TimeZone,
    DateOnly Today,
    int? UsedMinutes,
    int? DailyMinutes,
    ulong DesiredVersion,
    ulong ReportedVersion,
    DateTimeOffset? LastSeenAt)
{
    /// <summary>Minutes left today, or null when there is no daily limit.</summary>
    public int? LeftMinutes => DailyMinutes is { } limit && UsedMinutes is { } used ? Math.Max(0, limit - used) : null;

    /// <summary>True when the device reported the version the service published for it.</summary>
    public bool InSync => ReportedVersion >= DesiredVersion && DesiredVersion > 0;
}

/// <summary>
/// Reads the "my children" page from the guardian API: the devices, then each one's policy and today's
/// usage. "Today" is the child's local day, in the time zone of the child's policy, as the service cuts
/// the usage days (UTC when the policy names none, as the service does).
/// </summary>
public sealed class ChildSummaries(PolicyServiceCalls calls, TimeProvider time)
{
    private const string ServiceDefaultZone = "Etc/UTC";

    public async Task<IReadOnlyList<ChildSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var asUser = await calls.AsUserAsync(cancellationToken: cancellationToken);
        var devices = await calls.Guardians.ListDevicesAsync(new ListDevicesRequest(), asUser);
        var summaries = new List<ChildSummary>(devices.Devices.Count);
        foreach (var device in devices.Devices)
        {
            var policy = await calls.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, asUser);
            var zone = policy.Settings is { HasTimeZone: true } settings ? settings.TimeZone : ServiceDefaultZone;
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime);
            var usedSeconds = await UsedSecondsAsync(device.DeviceId, today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), asUser);
            summaries.Add(new ChildSummary(
                device.DeviceId,
                device.ChildName,
                device.Owner,
                zone,
                today,
                usedSeconds is { } seconds ? (int)(seconds / 60) : null,
                DailyLimit(policy.Settings, today),
                policy.DesiredVersion,
                policy.ReportedVersion,
                device.LastSeenAt?.ToDateTimeOffset()));
        }

        return summaries;
    }

    // The limit of that weekday when the settings give one per weekday (Monday first), else the daily one.
    private static int? DailyLimit(PolicySettings? settings, DateOnly day) => settings switch
    {
        { WeekdayDailyMinutes.Count: 7 } => (int)settings.WeekdayDailyMinutes[((int)day.DayOfWeek + 6) % 7],
        { HasDailyMinutes: true } => (int)settings.DailyMinutes,
        _ => null,
    };

    // Telemetry may be switched off or unreachable: the page says so and still shows the policy state.
    private async Task<long?> UsedSecondsAsync(string deviceId, string day, CallOptions asUser)
    {
        try
        {
            var usage = await calls.Guardians.GetUsageAsync(new GetUsageRequest { DeviceId = deviceId, FromDay = day, ToDay = day }, asUser);
            return usage.Rows.Sum(r => (long)r.UsedSeconds);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.FailedPrecondition or StatusCode.DeadlineExceeded)
        {
            return null;
        }
    }
}
