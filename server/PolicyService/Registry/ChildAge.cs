using System.Globalization;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// A child's age in whole years from the birth month a guardian gave at pairing ("yyyy-MM"; the day is
/// not collected, privacy by design): what selects the age band of the regulation profile.
/// </summary>
public static class ChildAge
{
    /// <summary>The age on <paramref name="today"/>, or null when the birth month is unknown or malformed.</summary>
    public static int? From(string birthMonth, DateTime today)
    {
        if (!DateTime.TryParseExact(birthMonth, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var born))
        {
            return null;
        }

        return today.Year - born.Year - (today.Month < born.Month ? 1 : 0);
    }
}
