using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.SignIn;

namespace SmartTerminal.WebConsole.Guardians;

/// <summary>One child's device at a glance: today's use against the daily limit, whether the device runs its policy, and how many of the child's requests wait for an answer.</summary>
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
    DateTimeOffset? LastSeenAt,
    int WaitingRequests = 0)
{
    /// <summary>Minutes left today, or null when there is no daily limit.</summary>
    public int? LeftMinutes => DailyMinutes is { } limit && UsedMinutes is { } used ? Math.Max(0, limit - used) : null;

    /// <summary>True when the device reported the version the service published for it.</summary>
    public bool InSync => ReportedVersion >= DesiredVersion && DesiredVersion > 0;
}

/// <summary>
/// Reads the "my children" page from the guardian API: the devices, then each one's policy and today's
/// usage. "Today" is the child's local day (<see cref="ChildCalendar"/>).
/// </summary>
public sealed class ChildSummaries(PolicyServiceCalls calls, TimeProvider time)
{
    public async Task<IReadOnlyList<ChildSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var asUser = await calls.AsUserAsync(cancellationToken: cancellationToken);
        var devices = await calls.Guardians.ListDevicesAsync(new ListDevicesRequest(), asUser);
        var summaries = new List<ChildSummary>(devices.Devices.Count);
        foreach (var device in devices.Devices)
        {
            var policy = await calls.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, asUser);
            var calendar = ChildCalendar.Of(policy.Settings);
            var today = calendar.Today(time);
            var usedSeconds = await UsedSecondsAsync(device.DeviceId, ChildCalendar.Day(today), asUser);
            summaries.Add(new ChildSummary(
                device.DeviceId,
                device.ChildName,
                device.Owner,
                calendar.ZoneId,
                today,
                usedSeconds is { } seconds ? (int)(seconds / 60) : null,
                ChildCalendar.DailyLimit(policy.Settings, today),
                policy.DesiredVersion,
                policy.ReportedVersion,
                device.LastSeenAt?.ToDateTimeOffset(),
                await WaitingRequestsAsync(device.DeviceId, asUser)));
        }

        return summaries;
    }

    private async Task<int> WaitingRequestsAsync(string deviceId, CallOptions asUser) =>
        (await calls.Guardians.ListRequestsAsync(new ListRequestsRequest { DeviceId = deviceId }, asUser)).Requests.Count(r => r.State == ChildRequestState.Pending);

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
