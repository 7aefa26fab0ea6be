using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Bounds on every list and text of a policy's settings, from what a device can hold: the large policy
/// of docs/BENCHMARKS.md (5,000 domains, 500 apps, 200 contacts) is about 29 KB signed and already takes
/// a third of an ESP32's heap without PSRAM. Beyond these, a request is refused field by field before
/// anything is compiled; <see cref="PolicyBudget"/> then checks the compiled size as a whole.
/// </summary>
public static class SettingsSizeLimits
{
    public const int MaxDomains = 5_000;
    public const int MaxApps = 500;
    public const int MaxClassApps = 500;
    public const int MaxContacts = 200;
    public const int MaxWindows = 32;
    public const int MaxCategoryBudgets = 32;
    public const int MaxWarnings = 8;
    public const int MaxDomainLength = 253;
    public const int MaxPackageNameLength = 256;
    public const int MaxNumberLength = 32;
    public const int MaxDisplayNameLength = 64;
    public const int MaxTimeZoneLength = 64;

    public static void Check(PolicySettings s, string path, FieldViolations violations)
    {
        Count(s.BlockedDomains.Count + s.AllowedDomains.Count, MaxDomains, $"{path}.blocked_domains", "blocked and allowed domains together", violations);
        Count(s.Apps.Count, MaxApps, $"{path}.apps", "apps", violations);
        Count(s.ClassAllowedApps.Count, MaxClassApps, $"{path}.class_allowed_apps", "class-time apps", violations);
        Count(s.Contacts.Count, MaxContacts, $"{path}.contacts", "contacts", violations);
        Count(s.AllowedWindows.Count, MaxWindows, $"{path}.allowed_windows", "windows", violations);
        Count(s.ClassWindows.Count, MaxWindows, $"{path}.class_windows", "windows", violations);
        Count(s.CategoryBudgets.Count, MaxCategoryBudgets, $"{path}.category_budgets", "category budgets", violations);
        Count(s.WarningMinutes.Count, MaxWarnings, $"{path}.warning_minutes", "warnings", violations);
        Longest(s.BlockedDomains, MaxDomainLength, $"{path}.blocked_domains", violations);
        Longest(s.AllowedDomains, MaxDomainLength, $"{path}.allowed_domains", violations);
        Longest(s.ClassAllowedApps, MaxPackageNameLength, $"{path}.class_allowed_apps", violations);
        Longest(s.Apps.Select(a => a.PackageName), MaxPackageNameLength, $"{path}.apps", violations, "package_name");
        Longest(s.Contacts.Select(c => c.Number), MaxNumberLength, $"{path}.contacts", violations, "number");
        Longest(s.Contacts.Select(c => c.DisplayName), MaxDisplayNameLength, $"{path}.contacts", violations, "display_name");
        if (s.HasTimeZone && s.TimeZone.Length > MaxTimeZoneLength)
        {
            violations.Add($"{path}.time_zone", $"at most {MaxTimeZoneLength} characters");
        }
    }

    private static void Count(int count, int max, string field, string what, FieldViolations violations)
    {
        if (count > max)
        {
            violations.Add(field, $"{count} {what}; a device holds at most {max}");
        }
    }

    private static void Longest(IEnumerable<string> values, int max, string field, FieldViolations violations, string? member = null)
    {
        var index = 0;
        foreach (var value in values)
        {
            if (value.Length > max)
            {
                violations.Add(member is null ? $"{field}[{index}]" : $"{field}[{index}].{member}", $"{value.Length} characters; at most {max}");
                return;
            }

            index++;
        }
    }
}

/// <summary>
/// The signed policy a device receives must fit its memory (<c>PolicyService:MaxPolicyBytes</c>): when
/// a compiled policy is too large, the error names the list that takes the most room.
/// </summary>
public static class PolicyBudget
{
    public static void Check(DevicePolicy policy, int envelopeBytes, int maxBytes, string path, FieldViolations violations)
    {
        if (envelopeBytes <= maxBytes)
        {
            return;
        }

        var lists = new (string Field, int Bytes)[]
        {
            ($"{path}.blocked_domains", (policy.BlockedDomainHashes.Count + policy.AllowedDomainHashes.Count) * 4),
            ($"{path}.apps", policy.Apps.Sum(a => a.CalculateSize() + 2)),
            ($"{path}.contacts", policy.Contacts?.Contacts.Sum(c => c.CalculateSize() + 2) ?? 0),
            ($"{path}.class_allowed_apps", policy.ClassAllowedAppIds.Count * 4),
        };
        var largest = lists.MaxBy(l => l.Bytes);
        violations.Add(largest.Field, $"the signed policy would be {envelopeBytes:N0} bytes, over the device budget of {maxBytes:N0}; this list takes {largest.Bytes:N0} of them: shorten it");
    }
}
