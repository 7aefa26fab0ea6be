using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Hard limits: combining them down the layers (each layer may only tighten) and checking settings
/// against them. Every violation names the field and the bound it broke.
/// </summary>
public static class PolicyBounds
{
    /// <summary>The stricter of two layers' limits.</summary>
    public static PolicyLimits Combine(PolicyLimits upper, PolicyLimits? lower)
    {
        var result = upper.Clone();
        if (lower is null)
        {
            return result;
        }

        if (lower.HasMaxDailyMinutes)
        {
            result.MaxDailyMinutes = upper.HasMaxDailyMinutes ? Math.Min(upper.MaxDailyMinutes, lower.MaxDailyMinutes) : lower.MaxDailyMinutes;
        }

        if (lower.HasMaxContinuousUseMinutes)
        {
            result.MaxContinuousUseMinutes = upper.HasMaxContinuousUseMinutes ? Math.Min(upper.MaxContinuousUseMinutes, lower.MaxContinuousUseMinutes) : lower.MaxContinuousUseMinutes;
        }

        if (lower.HasMaxAgeRating)
        {
            result.MaxAgeRating = upper.HasMaxAgeRating ? Math.Min(upper.MaxAgeRating, lower.MaxAgeRating) : lower.MaxAgeRating;
        }

        if (lower.HasMaxPerTransactionCap)
        {
            result.MaxPerTransactionCap = upper.HasMaxPerTransactionCap ? Math.Min(upper.MaxPerTransactionCap, lower.MaxPerTransactionCap) : lower.MaxPerTransactionCap;
        }

        if (lower.HasMaxDailySpendingCap)
        {
            result.MaxDailySpendingCap = upper.HasMaxDailySpendingCap ? Math.Min(upper.MaxDailySpendingCap, lower.MaxDailySpendingCap) : lower.MaxDailySpendingCap;
        }

        if (lower.HasMayAllowStrangerMessages)
        {
            result.MayAllowStrangerMessages = (!upper.HasMayAllowStrangerMessages || upper.MayAllowStrangerMessages) && lower.MayAllowStrangerMessages;
        }

        if (lower.HasMayOpenContacts)
        {
            result.MayOpenContacts = (!upper.HasMayOpenContacts || upper.MayOpenContacts) && lower.MayOpenContacts;
        }

        result.RequiredCurfews.AddRange(lower.RequiredCurfews);
        result.RequiredBlockedDomains.AddRange(lower.RequiredBlockedDomains.Except(upper.RequiredBlockedDomains, StringComparer.OrdinalIgnoreCase));
        return result;
    }

    /// <summary>Checks that a lower layer's limits only tighten the upper layer's.</summary>
    public static void CheckStricter(PolicyLimits upper, PolicyLimits lower, string path, string bound, FieldViolations violations)
    {
        CheckMax(upper.HasMaxDailyMinutes, upper.MaxDailyMinutes, lower.HasMaxDailyMinutes, lower.MaxDailyMinutes, $"{path}.max_daily_minutes", bound, violations);
        CheckMax(upper.HasMaxContinuousUseMinutes, upper.MaxContinuousUseMinutes, lower.HasMaxContinuousUseMinutes, lower.MaxContinuousUseMinutes, $"{path}.max_continuous_use_minutes", bound, violations);
        CheckMax(upper.HasMaxAgeRating, upper.MaxAgeRating, lower.HasMaxAgeRating, lower.MaxAgeRating, $"{path}.max_age_rating", bound, violations);
        CheckMax(upper.HasMaxPerTransactionCap, upper.MaxPerTransactionCap, lower.HasMaxPerTransactionCap, lower.MaxPerTransactionCap, $"{path}.max_per_transaction_cap", bound, violations);
        CheckMax(upper.HasMaxDailySpendingCap, upper.MaxDailySpendingCap, lower.HasMaxDailySpendingCap, lower.MaxDailySpendingCap, $"{path}.max_daily_spending_cap", bound, violations);
        if (upper.HasMayAllowStrangerMessages && !upper.MayAllowStrangerMessages && lower.MayAllowStrangerMessages)
        {
            violations.Add($"{path}.may_allow_stranger_messages", $"may not be true: {bound} keeps stranger messages off");
        }

        if (upper.HasMayOpenContacts && !upper.MayOpenContacts && lower.MayOpenContacts)
        {
            violations.Add($"{path}.may_open_contacts", $"may not be true: {bound} requires a contact allowlist");
        }

        CheckWindows(lower.RequiredCurfews, $"{path}.required_curfews", violations);
    }

    /// <summary>Checks settings against the effective limits (and for values that make no sense at all).</summary>
    public static void CheckSettings(PolicySettings s, PolicyLimits limits, string path, string bound, FieldViolations violations)
    {
        SettingsSizeLimits.Check(s, path, violations);
        if (s.WeekdayDailyMinutes.Count is not 0 and not 7)
        {
            violations.Add($"{path}.weekday_daily_minutes", $"needs 7 entries (Monday first), got {s.WeekdayDailyMinutes.Count}");
        }

        foreach (var (minutes, field) in DailyMinuteFields(s, path))
        {
            if (minutes > 1440)
            {
                violations.Add(field, $"{minutes} minutes is more than a day");
            }
            else if (limits.HasMaxDailyMinutes && minutes > limits.MaxDailyMinutes)
            {
                violations.Add(field, $"{minutes} exceeds the hard limit of {limits.MaxDailyMinutes} minutes set by {bound}");
            }
        }

        CheckWindows(s.AllowedWindows, $"{path}.allowed_windows", violations);
        CheckWindows(s.ClassWindows, $"{path}.class_windows", violations);
        if (s.AllowedWindows.Count > 0 && limits.RequiredCurfews.Count > 0 && MinuteGrid.Of(s.AllowedWindows).Overlaps(MinuteGrid.Of(limits.RequiredCurfews)))
        {
            violations.Add($"{path}.allowed_windows", $"overlaps the required curfew {Describe(limits.RequiredCurfews)} set by {bound}");
        }

        if (s.ContinuousUse is { } rule && limits.HasMaxContinuousUseMinutes && (rule.LimitMinutes == 0 || rule.LimitMinutes > limits.MaxContinuousUseMinutes))
        {
            violations.Add($"{path}.continuous_use.limit_minutes", $"{rule.LimitMinutes} exceeds the hard limit of {limits.MaxContinuousUseMinutes} minutes set by {bound} (0 would turn the rest rule off)");
        }

        if (s.HasMaxAgeRating && limits.HasMaxAgeRating && s.MaxAgeRating > limits.MaxAgeRating)
        {
            violations.Add($"{path}.max_age_rating", $"{s.MaxAgeRating} exceeds the hard limit of {limits.MaxAgeRating} set by {bound}");
        }

        for (var i = 0; i < s.Apps.Count; i++)
        {
            var app = s.Apps[i];
            if (string.IsNullOrWhiteSpace(app.PackageName))
            {
                violations.Add($"{path}.apps[{i}].package_name", "is empty");
            }
            else if (app.Access is AppAccess.Allow or AppAccess.Exempt && limits.HasMaxAgeRating && app.AgeRating > limits.MaxAgeRating)
            {
                violations.Add($"{path}.apps[{i}].access", $"{app.PackageName} is rated {app.AgeRating}, above the hard limit of {limits.MaxAgeRating} set by {bound}");
            }
        }

        if (s.HasPerTransactionCap && limits.HasMaxPerTransactionCap && s.PerTransactionCap > limits.MaxPerTransactionCap)
        {
            violations.Add($"{path}.per_transaction_cap", $"{s.PerTransactionCap} exceeds the hard limit of {limits.MaxPerTransactionCap} set by {bound}");
        }

        if (s.HasDailySpendingCap && limits.HasMaxDailySpendingCap && s.DailySpendingCap > limits.MaxDailySpendingCap)
        {
            violations.Add($"{path}.daily_spending_cap", $"{s.DailySpendingCap} exceeds the hard limit of {limits.MaxDailySpendingCap} set by {bound}");
        }

        if (s.HasStrangerMessagesAllowed && s.StrangerMessagesAllowed && limits.HasMayAllowStrangerMessages && !limits.MayAllowStrangerMessages)
        {
            violations.Add($"{path}.stranger_messages_allowed", $"must stay false: {bound} keeps stranger messages off");
        }

        if (s.HasContactMode && s.ContactMode == ContactMode.Open && limits.HasMayOpenContacts && !limits.MayOpenContacts)
        {
            violations.Add($"{path}.contact_mode", $"may not be CONTACT_MODE_OPEN: {bound} requires a contact allowlist");
        }

        foreach (var domain in s.AllowedDomains.Intersect(limits.RequiredBlockedDomains, StringComparer.OrdinalIgnoreCase))
        {
            violations.Add($"{path}.allowed_domains", $"{domain} must stay blocked by {bound}");
        }

        for (var i = 0; i < s.Contacts.Count; i++)
        {
            if (!s.Contacts[i].Number.Any(char.IsAsciiDigit))
            {
                violations.Add($"{path}.contacts[{i}].number", "has no digits");
            }
        }

        if (s.HasTimeZone && !TimeZoneInfo.TryFindSystemTimeZoneById(s.TimeZone, out _))
        {
            violations.Add($"{path}.time_zone", $"'{s.TimeZone}' is not an IANA time zone");
        }
    }

    private static IEnumerable<(uint Minutes, string Field)> DailyMinuteFields(PolicySettings s, string path)
    {
        if (s.HasDailyMinutes)
        {
            yield return (s.DailyMinutes, $"{path}.daily_minutes");
        }

        for (var i = 0; i < s.WeekdayDailyMinutes.Count; i++)
        {
            yield return (s.WeekdayDailyMinutes[i], $"{path}.weekday_daily_minutes[{i}]");
        }
    }

    private static void CheckMax(bool upperSet, uint upper, bool lowerSet, uint lower, string field, string bound, FieldViolations violations)
    {
        if (upperSet && lowerSet && lower > upper)
        {
            violations.Add(field, $"{lower} is looser than the hard limit of {upper} set by {bound}");
        }
    }

    private static void CheckWindows(IEnumerable<TimeWindow> windows, string field, FieldViolations violations)
    {
        var i = 0;
        foreach (var window in windows)
        {
            if (window.WeekdayMask is 0 or > 0x7F || window.StartMinute >= 1440 || window.EndMinute > 1440)
            {
                violations.Add($"{field}[{i}]", "needs weekday_mask 1-127, start_minute 0-1439 and end_minute 0-1440");
            }

            i++;
        }
    }

    private static string Describe(IEnumerable<TimeWindow> windows) =>
        string.Join(", ", windows.Select(w => $"{w.StartMinute / 60:D2}:{w.StartMinute % 60:D2}-{w.EndMinute / 60:D2}:{w.EndMinute % 60:D2}"));
}
