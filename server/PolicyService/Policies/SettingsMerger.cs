using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Resolves layers: a lower layer's set fields override the upper layer's; lists replace the upper
/// list when the lower layer gives one, except blocked domains (added) and category budgets
/// (replaced per category).
/// </summary>
public static class SettingsMerger
{
    public static PolicySettings Merge(PolicySettings upper, PolicySettings? lower)
    {
        if (lower is null)
        {
            return upper.Clone();
        }

        var result = upper.Clone();
        var scalarsOnly = lower.Clone();
        foreach (var list in new Action<PolicySettings>[]
        {
            s => s.WeekdayDailyMinutes.Clear(), s => s.CategoryBudgets.Clear(), s => s.AllowedWindows.Clear(),
            s => s.ClassWindows.Clear(), s => s.ClassAllowedApps.Clear(), s => s.WarningMinutes.Clear(),
            s => s.Apps.Clear(), s => s.BlockedDomains.Clear(), s => s.AllowedDomains.Clear(), s => s.Contacts.Clear(),
        })
        {
            list(scalarsOnly);
        }

        scalarsOnly.ContinuousUse = null;
        result.MergeFrom(scalarsOnly);
        if (lower.ContinuousUse is not null)
        {
            result.ContinuousUse = lower.ContinuousUse.Clone();
        }

        Replace(result.WeekdayDailyMinutes, lower.WeekdayDailyMinutes);
        Replace(result.AllowedWindows, lower.AllowedWindows);
        Replace(result.ClassWindows, lower.ClassWindows);
        Replace(result.ClassAllowedApps, lower.ClassAllowedApps);
        Replace(result.WarningMinutes, lower.WarningMinutes);
        Replace(result.AllowedDomains, lower.AllowedDomains);
        Replace(result.Contacts, lower.Contacts);
        MergeApps(result, lower);
        var blocked = result.BlockedDomains.Concat(lower.BlockedDomains).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        result.BlockedDomains.Clear();
        result.BlockedDomains.AddRange(blocked);
        var budgets = result.CategoryBudgets.Where(b => lower.CategoryBudgets.All(l => l.Category != b.Category)).Concat(lower.CategoryBudgets).OrderBy(b => b.Category).ToList();
        result.CategoryBudgets.Clear();
        result.CategoryBudgets.AddRange(budgets);
        return result;
    }

    // A lower layer's rule for an app replaces the upper layer's rule for the same app.
    private static void MergeApps(PolicySettings result, PolicySettings lower)
    {
        var apps = result.Apps.Where(a => lower.Apps.All(l => l.PackageName != a.PackageName)).Concat(lower.Apps).ToList();
        result.Apps.Clear();
        result.Apps.AddRange(apps);
    }

    private static void Replace<T>(Google.Protobuf.Collections.RepeatedField<T> target, Google.Protobuf.Collections.RepeatedField<T> source)
    {
        if (source.Count > 0)
        {
            target.Clear();
            target.AddRange(source);
        }
    }
}
