using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.SignIn;

namespace SmartTerminal.WebConsole.Guardians.Week;

/// <summary>
/// What the week page shows of one child: the week, the child's calendar and how fresh the data is (the
/// time before which the device's usage is all in, when known; else its last upload).
/// </summary>
public sealed record ChildWeek(string ChildName, ChildCalendar Calendar, WeekOfUse? Week, DateTimeOffset? LastUploadAt, DateTimeOffset? CompleteThrough = null);

/// <summary>Reads a child's week from the guardian API with the signed-in guardian's token.</summary>
public sealed class WeekOfUseReader(PolicyServiceCalls calls, TimeProvider time)
{
    /// <summary>Null when the device is not one of this guardian's; <see cref="ChildWeek.Week"/> null when usage cannot be read now.</summary>
    public async Task<ChildWeek?> ReadAsync(string deviceId, CancellationToken cancellationToken)
    {
        var asUser = await calls.AsUserAsync(cancellationToken: cancellationToken);
        var device = await calls.FindChildAsync(deviceId, cancellationToken);
        if (device is null)
        {
            return null;
        }

        var policy = await calls.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = deviceId }, asUser);
        var calendar = ChildCalendar.Of(policy.Settings);
        var today = calendar.Today(time);
        WeekOfUse? week;
        DateTimeOffset? completeThrough = null;
        try
        {
            var usage = await calls.Guardians.GetUsageAsync(new GetUsageRequest
            {
                DeviceId = deviceId,
                FromDay = ChildCalendar.Day(today.AddDays(1 - WeekOfUse.Length)),
                ToDay = ChildCalendar.Day(today),
            }, asUser);
            week = WeekOfUse.Build(today, usage.Rows, policy.Settings);
            completeThrough = usage.UsageCompleteThrough?.ToDateTimeOffset();
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.FailedPrecondition or StatusCode.DeadlineExceeded)
        {
            // Telemetry switched off or unreachable: the page says so.
            week = null;
        }

        return new ChildWeek(device.DisplayName(), calendar, week, device.LastSeenAt?.ToDateTimeOffset(), completeThrough);
    }
}
