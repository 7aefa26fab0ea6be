using SmartTerminal.Device.Core.Enforcement;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>What the guardian's app does offline: generate a code for the current time step.</summary>
internal static class GuardianApp
{
    public static string Code(long guardianNowUnixMs, uint extraMinutes) =>
        OfflineCode.Generate(new DotNetHmac(), ChildDevice.GuardianSecret, guardianNowUnixMs / 1000 / 300, OfflineCode.ExtraMinutesGrant(extraMinutes), 8);

    public static string LeaveCode(long guardianNowUnixMs, uint minutes) =>
        OfflineCode.Generate(new DotNetHmac(), ChildDevice.GuardianSecret, guardianNowUnixMs / 1000 / 300, OfflineCode.LeaveMinorModeGrant(minutes), 8);
}
