using System.Globalization;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Guardians;

/// <summary>
/// A child's days as the service cuts them: in the time zone of the child's policy, UTC when it names
/// none (as the service does), and the daily limit that applies on each of them.
/// </summary>
public sealed class ChildCalendar
{
    private const string ServiceDefaultZone = "Etc/UTC";

    private ChildCalendar(string zoneId)
    {
        ZoneId = zoneId;
        Zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
    }

    /// <summary>The IANA id, shown to the guardian wherever days are counted.</summary>
    public string ZoneId { get; }

    public TimeZoneInfo Zone { get; }

    public static ChildCalendar Of(PolicySettings? effectiveSettings) =>
        new(effectiveSettings is { HasTimeZone: true } settings ? settings.TimeZone : ServiceDefaultZone);

    public DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(Local(time.GetUtcNow()).DateTime);

    /// <summary>That instant on the child's clock.</summary>
    public DateTimeOffset Local(DateTimeOffset at) => at.ToOffset(Zone.GetUtcOffset(at));

    /// <summary>The day as the guardian API names it.</summary>
    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The limit of that weekday when the settings give one per weekday (Monday first), else the daily one.</summary>
    public static int? DailyLimit(PolicySettings? settings, DateOnly day) => settings switch
    {
        { WeekdayDailyMinutes.Count: 7 } => (int)settings.WeekdayDailyMinutes[((int)day.DayOfWeek + 6) % 7],
        { HasDailyMinutes: true } => (int)settings.DailyMinutes,
        _ => null,
    };
}
