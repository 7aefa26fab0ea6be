using System.Text.RegularExpressions;

namespace SmartTerminal.WebConsole.Guardians.Rules;

/// <summary>The rules form's field ids, and which of them a service field path (google.rpc.BadRequest) names.</summary>
public static partial class RuleFields
{
    public const string Daily = "daily";
    public const string Allowed = "allowed";
    public const string Continuous = "continuous";
    public const string AgeRating = "age-rating";
    public const string Strangers = "strangers";
    public const string PerPurchase = "per-purchase";

    public static string Weekday(int index) => $"weekday-{index}";

    /// <summary>The form field a violation of the guardian settings belongs to, or null for a setting the form does not show.</summary>
    public static string? FromServicePath(string path)
    {
        if (WeekdayPath().Match(path) is { Success: true } weekday)
        {
            return weekday.Groups["i"].Success ? Weekday(int.Parse(weekday.Groups["i"].Value, System.Globalization.CultureInfo.InvariantCulture)) : Weekday(0);
        }

        return path switch
        {
            "settings.daily_minutes" => Daily,
            _ when path.StartsWith("settings.allowed_windows", StringComparison.Ordinal) => Allowed,
            _ when path.StartsWith("settings.continuous_use", StringComparison.Ordinal) => Continuous,
            "settings.max_age_rating" => AgeRating,
            "settings.stranger_messages_allowed" => Strangers,
            "settings.per_transaction_cap" => PerPurchase,
            _ => null,
        };
    }

    [GeneratedRegex(@"^settings\.weekday_daily_minutes(\[(?<i>[0-6])\])?$")]
    private static partial Regex WeekdayPath();
}
