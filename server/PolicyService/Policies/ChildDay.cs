using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>The child's local day, cut in the time zone of its settings (UTC when none is set).</summary>
public static class ChildDay
{
    /// <summary>The local midnight that ends the day holding <paramref name="at"/>.</summary>
    public static DateTimeOffset EndOf(PolicySettings settings, DateTimeOffset at)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.HasTimeZone ? settings.TimeZone : "Etc/UTC");
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var midnight = new DateTime(local.Year, local.Month, local.Day, 0, 0, 0, DateTimeKind.Unspecified).AddDays(1);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight));
    }
}
