using System.Globalization;
using SmartTerminal.Contracts.Api.V1;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.WebConsole.Guardians.Rules;

/// <summary>
/// The rules form as posted: text as typed, so a wrong entry is answered next to its field and not
/// lost. A blank field inherits (the manufacturer's or the profile's value); the settings the form
/// does not show (apps, contacts, domains) are kept as they are.
/// </summary>
public sealed class RulesForm
{
    public const int Weekdays = 7;
    private const uint EveryDay = 0x7F;

    /// <summary>The settings revision the guardian read: a change by someone else in between is refused.</summary>
    public ulong Revision { get; set; }

    public string? DailyMinutes { get; set; }

    /// <summary>Monday first; a blank day takes the daily value.</summary>
    public List<string?> WeekdayMinutes
    {
        get => _weekdayMinutes;
        // A post without the days (or with gaps in their indices) binds as null: treated as all blank.
        set => _weekdayMinutes = value ?? [.. new string?[Weekdays]];
    }

    private List<string?> _weekdayMinutes = [.. new string?[Weekdays]];

    /// <summary>"HH:mm": when use is allowed each day (the rest is bedtime).</summary>
    public string? AllowedFrom { get; set; }

    public string? AllowedTo { get; set; }

    public string? ContinuousMinutes { get; set; }

    public string? MaxAgeRating { get; set; }

    /// <summary>"" inherit, "allow" or "block".</summary>
    public string? StrangerMessages { get; set; }

    /// <summary>Whole yuan; stored in fen.</summary>
    public string? PerPurchaseYuan { get; set; }

    /// <summary>The form filled with what the guardian set before (blank where the guardian left it to inherit).</summary>
    public static RulesForm From(GuardianSettings stored)
    {
        var s = stored.Settings ?? new PolicySettings();
        var form = new RulesForm
        {
            Revision = stored.Revision,
            DailyMinutes = s.HasDailyMinutes ? Text(s.DailyMinutes) : null,
            ContinuousMinutes = s.ContinuousUse is { } rule ? Text(rule.LimitMinutes) : null,
            MaxAgeRating = s.HasMaxAgeRating ? Text(s.MaxAgeRating) : null,
            StrangerMessages = s.HasStrangerMessagesAllowed ? (s.StrangerMessagesAllowed ? "allow" : "block") : string.Empty,
            PerPurchaseYuan = s.HasPerTransactionCap ? Text(s.PerTransactionCap / 100) : null,
        };
        if (s.WeekdayDailyMinutes.Count == Weekdays)
        {
            form.WeekdayMinutes = [.. s.WeekdayDailyMinutes.Select(m => (string?)Text(m))];
        }

        if (SingleEverydayWindow(s) is { } window)
        {
            form.AllowedFrom = Clock(window.StartMinute);
            form.AllowedTo = Clock(window.EndMinute);
        }

        return form;
    }

    /// <summary>Windows the form cannot show as one daily span (set through the API): kept unless the guardian fills the span.</summary>
    public static int CustomWindows(PolicySettings settings) => SingleEverydayWindow(settings) is null ? settings.AllowedWindows.Count : 0;

    /// <summary>
    /// The guardian's settings with the form applied, or the entries that are not numbers or times
    /// (field id to message key). Bounds are the service's to check: it is the one place that does.
    /// </summary>
    public PolicySettings Apply(PolicySettings current, out Dictionary<string, string> inputErrors)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var s = current.Clone();
        var daily = Number(DailyMinutes, RuleFields.Daily, errors);
        if (daily is { } minutes)
        {
            s.DailyMinutes = minutes;
        }
        else
        {
            s.ClearDailyMinutes();
        }

        s.WeekdayDailyMinutes.Clear();
        var days = WeekdayMinutes.Concat(Enumerable.Repeat<string?>(null, Weekdays)).Take(Weekdays).ToList();
        if (days.Any(d => !string.IsNullOrWhiteSpace(d)))
        {
            for (var i = 0; i < Weekdays; i++)
            {
                var day = Number(days[i], RuleFields.Weekday(i), errors);
                if (day is null && daily is null && string.IsNullOrWhiteSpace(days[i]))
                {
                    errors.TryAdd(RuleFields.Weekday(i), "RulesDayNeedsDaily");
                }

                s.WeekdayDailyMinutes.Add(day ?? daily ?? 0);
            }
        }

        ApplyWindow(s, errors);
        var continuous = Number(ContinuousMinutes, RuleFields.Continuous, errors);
        if (continuous is { } limit)
        {
            s.ContinuousUse = s.ContinuousUse?.Clone() ?? new Wire.ContinuousUseRule { RestMinutes = 10, ForcedBreak = false };
            s.ContinuousUse.LimitMinutes = limit;
        }
        else
        {
            s.ContinuousUse = null;
        }

        if (Number(MaxAgeRating, RuleFields.AgeRating, errors) is { } rating)
        {
            s.MaxAgeRating = rating;
        }
        else
        {
            s.ClearMaxAgeRating();
        }

        switch (StrangerMessages)
        {
            case "allow": s.StrangerMessagesAllowed = true; break;
            case "block": s.StrangerMessagesAllowed = false; break;
            default: s.ClearStrangerMessagesAllowed(); break;
        }

        if (Number(PerPurchaseYuan, RuleFields.PerPurchase, errors) is { } yuan)
        {
            s.PerTransactionCap = yuan * 100;
        }
        else
        {
            s.ClearPerTransactionCap();
        }

        inputErrors = errors;
        return s;
    }

    private void ApplyWindow(PolicySettings s, Dictionary<string, string> errors)
    {
        var bothBlank = string.IsNullOrWhiteSpace(AllowedFrom) && string.IsNullOrWhiteSpace(AllowedTo);
        if (bothBlank)
        {
            // A blank span clears the form's own window; windows set through the API stay.
            if (CustomWindows(s) == 0)
            {
                s.AllowedWindows.Clear();
            }

            return;
        }

        if (Minute(AllowedFrom) is not { } from || Minute(AllowedTo) is not { } to)
        {
            errors[RuleFields.Allowed] = "RulesNotATime";
            return;
        }

        s.AllowedWindows.Clear();
        s.AllowedWindows.Add(new Wire.TimeWindow { WeekdayMask = EveryDay, StartMinute = from, EndMinute = to == 0 ? 1440u : to });
    }

    // Whole numbers up to a day's minutes or a purchase in yuan; anything else is the guardian's typo to fix.
    private static uint? Number(string? text, string field, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (uint.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= 1_000_000)
        {
            return value;
        }

        errors[field] = "RulesNotANumber";
        return null;
    }

    private static uint? Minute(string? clock) =>
        TimeOnly.TryParseExact(clock?.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? (uint)((time.Hour * 60) + time.Minute) : null;

    private static Wire.TimeWindow? SingleEverydayWindow(PolicySettings s) =>
        s.AllowedWindows is [{ WeekdayMask: EveryDay } window] ? window : null;

    public static string Clock(uint minute) => minute >= 1440 ? "00:00" : $"{minute / 60:00}:{minute % 60:00}";

    private static string Text(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
