using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.Device.Core.Hashing;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Compiles resolved settings into the compact device policy: hashes instead of names and numbers,
/// sorted arrays, curfews subtracted from the allowed windows, and the zone's UTC-offset table.
/// </summary>
public static class PolicyCompiler
{
    private static readonly AlwaysAllowedFunction[] AlwaysAllowed =
    [
        AlwaysAllowedFunction.EmergencyCall,
        AlwaysAllowedFunction.Sos,
        AlwaysAllowedFunction.GuardianCall,
        AlwaysAllowedFunction.GuardianMessage,
        AlwaysAllowedFunction.ContactCall,
    ];

    public static DevicePolicy Compile(ResolvedPolicy resolved, ulong version, DateTimeOffset issuedAt, DateTimeOffset validUntil)
    {
        var s = resolved.Settings;
        var policy = new DevicePolicy
        {
            Version = version,
            IssuedAtUnix = issuedAt.ToUnixTimeSeconds(),
            ValidUntilUnix = validUntil.ToUnixTimeSeconds(),
            ProfileId = resolved.Profile.Id,
            AgeBand = (uint)resolved.AgeBand,
            ContinuousUse = s.ContinuousUse?.Clone(),
            MaxAgeRating = s.HasMaxAgeRating ? s.MaxAgeRating : 0,
            AllowUnlistedApps = s.AllowUnlistedApps,
            DomainMode = s.DomainMode,
            Spending = new SpendingRule
            {
                PerTransactionCap = s.PerTransactionCap,
                DailyCap = s.DailySpendingCap,
                Currency = resolved.Profile.Jurisdiction == "CN" ? "CNY" : string.Empty,
                PaymentsEnabled = s.PaymentsEnabled,
            },
            Permissions = new PermissionRule
            {
                CameraAllowed = s.CameraAllowed,
                MicrophoneAllowed = s.MicrophoneAllowed,
                LocationAllowed = s.LocationAllowed,
                BlockWhileCharging = s.BlockWhileCharging,
            },
            OfflineCodes = new OfflineCodeRule { StepSeconds = 300, WindowSteps = 2, Digits = 8, MaxExtraMinutes = 240 },
        };
        policy.DailyBudgetMinutes.AddRange(s.WeekdayDailyMinutes.Count == 7 ? s.WeekdayDailyMinutes
            : s.HasDailyMinutes ? Enumerable.Repeat(s.DailyMinutes, 7) : []);
        policy.CategoryBudgets.AddRange(s.CategoryBudgets.Select(b => b.Clone()));
        policy.AlwaysAllowed.AddRange(AlwaysAllowed);
        policy.AllowedWindows.AddRange(AllowedWindows(s, resolved.Limits));
        policy.ClassWindows.AddRange(s.ClassWindows.Select(w => w.Clone()));
        policy.ClassAllowedAppIds.AddRange(s.ClassAllowedApps.Select(Fnv1a.Hash32).Distinct().Order());
        policy.WarningMinutes.AddRange(s.WarningMinutes);
        policy.Apps.AddRange(s.Apps
            .Select(a => new AppRule { AppId = Fnv1a.Hash32(a.PackageName), Category = a.Category, AgeRating = a.AgeRating, Access = a.Access })
            .GroupBy(a => a.AppId)
            .Select(g => g.OrderByDescending(a => a.Access == AppAccess.Block).First())
            .OrderBy(a => a.AppId));
        policy.BlockedDomainHashes.AddRange(s.BlockedDomains.Concat(resolved.Limits.RequiredBlockedDomains).Select(Fnv1a.HashDomain).Distinct().Order());
        policy.AllowedDomainHashes.AddRange(s.AllowedDomains.Select(Fnv1a.HashDomain).Distinct().Order());
        policy.Contacts = new ContactPolicy
        {
            Mode = s.ContactMode,
            StrangerMessagesAllowed = s.StrangerMessagesAllowed,
            MediaMode = s.MediaMode,
        };
        policy.Contacts.Contacts.AddRange(s.Contacts
            .Select(c => new Contact { NumberHash = Fnv1a.HashPhoneNumber(c.Number), Role = c.Role, MediaAllowed = c.MediaAllowed })
            .GroupBy(c => c.NumberHash)
            .Select(g => g.OrderByDescending(c => c.Role == ContactRole.Blocked).First())
            .OrderBy(c => c.NumberHash));
        policy.Contacts.EmergencyNumberHashes.AddRange(resolved.Profile.EmergencyNumbers.Select(Fnv1a.HashPhoneNumber).Distinct().Order());
        policy.UtcOffsets.AddRange(UtcOffsetTable.Compute(s.HasTimeZone ? s.TimeZone : "Etc/UTC", issuedAt, validUntil));
        return policy;
    }

    // The allowed windows minus the profile's and baselines' required curfews. An empty list on the
    // device means "all day", so a week with no allowed minute becomes one window that never matches.
    private static IEnumerable<TimeWindow> AllowedWindows(PolicySettings s, PolicyLimits limits)
    {
        var grid = s.AllowedWindows.Count > 0 ? MinuteGrid.Of(s.AllowedWindows) : MinuteGrid.FullWeek();
        grid.Subtract(limits.RequiredCurfews);
        if (grid.IsFull)
        {
            return [];
        }

        var windows = grid.ToWindows();
        return windows.Count > 0 ? windows : [new TimeWindow { WeekdayMask = 0 }];
    }
}
