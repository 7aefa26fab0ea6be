namespace SmartTerminal.Testing;

/// <summary>
/// Keeps tests that count days or daily budgets away from midnight, whatever time CI runs them at:
/// a child's day cut at midnight halfway through a test's play would reset the budget or split the use
/// over two days (seen in CI near 00:00 UTC).
/// </summary>
public static class DayClear
{
    /// <summary>An IANA zone (Etc/GMT±N) in which it is now between 11:30 and 12:30, hours from any midnight.</summary>
    public static string MiddayZone()
    {
        var offsetHours = 12 - (int)Math.Round(DateTimeOffset.UtcNow.TimeOfDay.TotalHours);
        // Etc/GMT zones carry the POSIX sign: Etc/GMT-8 is eight hours ahead of UTC.
        return offsetHours switch
        {
            0 => "Etc/UTC",
            > 0 => $"Etc/GMT-{offsetHours}",
            _ => $"Etc/GMT+{-offsetHours}",
        };
    }

    /// <summary>Ten o'clock UTC of the day <paramref name="daysAgo"/> days before today: plays of a few hours stay inside UTC and UTC+8 days.</summary>
    public static DateTimeOffset MorningUtc(int daysAgo) => new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date, TimeSpan.Zero).AddDays(-daysAgo).AddHours(10);
}
