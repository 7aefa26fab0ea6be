using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Guardians.Week;

/// <summary>One day of a chart: whole minutes used and the limit that applied (null: none).</summary>
public sealed record DayOfUse(DateOnly Day, int Minutes, int? LimitMinutes)
{
    public bool Over => LimitMinutes is { } limit && Minutes > limit;
}

/// <summary>A week of one category (or, for <see cref="Total"/>, of everything counted against the daily total).</summary>
public sealed record UseSeries(uint Category, IReadOnlyList<DayOfUse> Days)
{
    /// <summary>The series of the daily total.</summary>
    public const uint Total = 0;
}

/// <summary>
/// The last seven days of a child's use as the guardian's week page shows it: the daily total against
/// the daily limit, then each category that was used or has a budget against its budget. Days are the
/// child's (<see cref="ChildCalendar"/>); categories exempt from the daily total are left out of it, as
/// the device leaves them out.
/// </summary>
public sealed record WeekOfUse(IReadOnlyList<DateOnly> Days, IReadOnlyList<UseSeries> Series, IReadOnlyList<uint> ExemptCategories)
{
    public const int Length = 7;

    public static WeekOfUse Build(DateOnly today, IEnumerable<UsageRow> rows, PolicySettings? settings)
    {
        var days = Enumerable.Range(0, Length).Select(i => today.AddDays(i - Length + 1)).ToList();
        var seconds = new Dictionary<(DateOnly Day, uint Category), long>();
        foreach (var row in rows)
        {
            if (DateOnly.TryParseExact(row.Day, "yyyy-MM-dd", out var day))
            {
                seconds[(day, row.Category)] = seconds.GetValueOrDefault((day, row.Category)) + row.UsedSeconds;
            }
        }

        var budgets = (settings?.CategoryBudgets ?? []).ToDictionary(b => (uint)b.Category);
        var exempt = budgets.Values.Where(b => b.ExemptFromDailyTotal).Select(b => (uint)b.Category).Order().ToList();
        var series = new List<UseSeries>
        {
            new(UseSeries.Total, [.. days.Select(day => new DayOfUse(
                day,
                Minutes(seconds.Where(s => s.Key.Day == day && !exempt.Contains(s.Key.Category)).Sum(s => s.Value)),
                ChildCalendar.DailyLimit(settings, day)))]),
        };
        var shown = seconds.Keys.Select(k => k.Category).Concat(budgets.Values.Where(b => !b.Unlimited).Select(b => (uint)b.Category)).Distinct().Order();
        foreach (var category in shown)
        {
            int? limit = budgets.TryGetValue(category, out var budget) && !budget.Unlimited ? (int)budget.DailyMinutes : null;
            series.Add(new UseSeries(category, [.. days.Select(day => new DayOfUse(day, Minutes(seconds.GetValueOrDefault((day, category))), limit))]));
        }

        return new WeekOfUse(days, series, exempt);
    }

    // Whole minutes, as the device counts its budget (a minute is used once it is full).
    private static int Minutes(long seconds) => (int)(seconds / 60);
}
