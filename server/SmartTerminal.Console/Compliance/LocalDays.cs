using System.Globalization;

namespace SmartTerminal.WebConsole.Compliance;

/// <summary>Whole local days of a zone, as the compliance forms take them ("yyyy-MM-dd", the zone's midnights).</summary>
public static class LocalDays
{
    /// <summary>The zones offered: where the fleets are, and UTC.</summary>
    public static readonly string[] Zones = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Etc/UTC"];

    /// <summary>The zone's midnight that starts the day.</summary>
    public static DateTimeOffset Midnight(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>Today in the zone.</summary>
    public static DateOnly Today(DateTimeOffset now, string zoneId) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(zoneId)).DateTime);

    /// <summary>A day the forms accept: "yyyy-MM-dd" in 2000-2099 (so a typed 0001-01-01 or 9999-12-31 cannot overflow a midnight).</summary>
    public static DateOnly? Parse(string? day) =>
        DateOnly.TryParseExact(day?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && parsed.Year is >= 2000 and <= 2099 ? parsed : null;

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
