using Microsoft.Extensions.Localization;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Guardians.Rules;

/// <summary>
/// The bound of each rules field and who sets it, in the guardian's language: shown next to the field
/// before a change, and again as the error when the service refuses one (its English text is not shown).
/// </summary>
public sealed class RuleHints(SettingsBounds bounds, IStringLocalizer<Text> text)
{
    public SettingsBounds Bounds => bounds;

    /// <summary>The bound of a field, or null when nothing limits it.</summary>
    public string? Bound(string field)
    {
        var limits = bounds.Limits ?? new PolicyLimits();
        return field switch
        {
            _ when field == RuleFields.Daily || field.StartsWith("weekday-", StringComparison.Ordinal) =>
                limits.HasMaxDailyMinutes ? L("BoundMaxMinutes", limits.MaxDailyMinutes, Source("max_daily_minutes")) : null,
            RuleFields.Allowed => limits.RequiredCurfews.Count > 0
                ? L("BoundCurfews", string.Join(L("ListSeparator"), limits.RequiredCurfews.Select(Span)), Source("required_curfews[0]"))
                : null,
            RuleFields.Continuous => limits.HasMaxContinuousUseMinutes ? L("BoundMaxContinuous", limits.MaxContinuousUseMinutes, Source("max_continuous_use_minutes")) : null,
            RuleFields.AgeRating => limits.HasMaxAgeRating ? L("BoundMaxAgeRating", limits.MaxAgeRating, Source("max_age_rating")) : null,
            RuleFields.Strangers => limits is { HasMayAllowStrangerMessages: true, MayAllowStrangerMessages: false } ? L("BoundNoStrangers", Source("may_allow_stranger_messages")) : null,
            RuleFields.PerPurchase => limits.HasMaxPerTransactionCap ? L("BoundMaxPerPurchase", limits.MaxPerTransactionCap / 100m, Source("max_per_transaction_cap")) : null,
            _ => null,
        };
    }

    /// <summary>What a blank field means: the value it inherits.</summary>
    public string Inherited(string field)
    {
        var s = bounds.Inherited ?? new PolicySettings();
        string? value = field switch
        {
            RuleFields.Daily => s.HasDailyMinutes ? L("Minutes", s.DailyMinutes) : null,
            _ when field.StartsWith("weekday-", StringComparison.Ordinal) => s.WeekdayDailyMinutes.Count == RulesForm.Weekdays
                ? L("Minutes", s.WeekdayDailyMinutes[int.Parse(field["weekday-".Length..], System.Globalization.CultureInfo.InvariantCulture)])
                : L("SameAsDaily"),
            RuleFields.Allowed => s.AllowedWindows.Count > 0 ? string.Join(L("ListSeparator"), s.AllowedWindows.Select(Span)) : L("AnyTime"),
            RuleFields.Continuous => s.ContinuousUse is { LimitMinutes: > 0 } rule ? L("Minutes", rule.LimitMinutes) : null,
            RuleFields.AgeRating => s.HasMaxAgeRating ? L("Years", s.MaxAgeRating) : null,
            RuleFields.Strangers => s.HasStrangerMessagesAllowed ? (s.StrangerMessagesAllowed ? L("Allowed") : L("NotAllowed")) : null,
            RuleFields.PerPurchase => s.HasPerTransactionCap ? L("Yuan", s.PerTransactionCap / 100m) : null,
            _ => null,
        };
        return L("Inherits", value ?? L("NoLimit"));
    }

    /// <summary>The regulation profile in the reader's language where the console knows it, else the service's name.</summary>
    public string ProfileLabel => text["Profile_" + bounds.ProfileId] is { ResourceNotFound: false } known ? known.Value : bounds.ProfileName;

    // Who sets a limit: the national profile (named once, above the form) or the manufacturer.
    private string Source(string limit) => bounds.Sources.FirstOrDefault(s => s.Limit == limit)?.Layer switch
    {
        PolicyLayer.FleetBaseline => L("SourceManufacturer"),
        PolicyLayer.ModelBaseline => L("SourceModel"),
        _ => L("SourceProfile"),
    };

    private string L(string key, params object[] arguments) => text[key, arguments].Value;

    private static string Span(Contracts.Device.V1.TimeWindow window) => $"{RulesForm.Clock(window.StartMinute)}–{RulesForm.Clock(window.EndMinute)}";
}
