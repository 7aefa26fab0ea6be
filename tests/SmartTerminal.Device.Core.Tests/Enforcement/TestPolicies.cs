using SmartTerminal.Device.Core.Hashing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>
/// Policies as the service would compile them from the CN minor-mode profile (draft defaults: under 8
/// 40 minutes a day, 8-16 one hour, 16-18 two hours; no service 22:00-06:00; a rest after 30 minutes).
/// </summary>
internal static class TestPolicies
{
    public const string Guardian = "8613800000001";
    public const string Classmate = "8613800000002";
    public const string Friend = "8613800000003";
    public const string Blocked = "8613800000004";
    public const string Stranger = "8613899999999";

    public const string Game = "com.kids.game";
    public const string TeenGame = "com.teen.shooter";
    public const string Video = "com.kids.video";
    public const string Reader = "com.kids.reader";
    public const string ClassApp = "com.school.class";
    public const string Maps = "com.kids.maps";

    public static Wire.DevicePolicy ForAge(int age, ulong version = 1)
    {
        var daily = age < 8 ? 40u : age < 16 ? 60u : 120u;
        var policy = new Wire.DevicePolicy
        {
            Version = version,
            IssuedAtUnix = ChildDevice.LocalToUnixMs("2026-11-01 00:00") / 1000,
            ValidUntilUnix = ChildDevice.LocalToUnixMs("2027-01-01 00:00") / 1000,
            ProfileId = "cn-minor-mode-2024",
            AgeBand = age < 8 ? 1u : age < 12 ? 2u : age < 16 ? 3u : 4u,
            DailyBudgetMinutes = { daily, daily, daily, daily, daily, daily, daily },
            CategoryBudgets =
            {
                new Wire.CategoryBudget { Category = Wire.AppCategory.Games, DailyMinutes = daily / 2 },
                new Wire.CategoryBudget { Category = Wire.AppCategory.Education, Unlimited = true, ExemptFromDailyTotal = true },
            },
            AlwaysAllowed =
            {
                Wire.AlwaysAllowedFunction.EmergencyCall,
                Wire.AlwaysAllowedFunction.Sos,
                Wire.AlwaysAllowedFunction.GuardianCall,
                Wire.AlwaysAllowedFunction.GuardianMessage,
            },
            AllowedWindows = { new Wire.TimeWindow { WeekdayMask = 0x7F, StartMinute = 6 * 60, EndMinute = 22 * 60 } },
            ContinuousUse = new Wire.ContinuousUseRule { LimitMinutes = 30, RestMinutes = 10, ForcedBreak = false, IdleTimeoutSeconds = 120 },
            WarningMinutes = { 5, 1 },
            MaxAgeRating = age < 8 ? 3u : age < 12 ? 7u : age < 16 ? 12u : 16u,
            AllowUnlistedApps = false,
            DomainMode = Wire.DomainMode.Blocklist,
            Contacts = new Wire.ContactPolicy
            {
                Mode = Wire.ContactMode.AllowlistWithApproval,
                StrangerMessagesAllowed = false,
                MediaMode = Wire.MediaMode.ApprovedContacts,
                EmergencyNumberHashes = { new[] { "110", "112", "119", "120" }.Select(Fnv1a.HashPhoneNumber).Order() },
            },
            Spending = new Wire.SpendingRule { PerTransactionCap = 5_000, DailyCap = 10_000, Currency = "CNY", PaymentsEnabled = true },
            Permissions = new Wire.PermissionRule { LocationAllowed = true, BlockWhileCharging = true },
            UtcOffsets = { new Wire.UtcOffsetTransition { FromUnix = 0, OffsetMinutes = 480 } },
            OfflineCodes = new Wire.OfflineCodeRule { StepSeconds = 300, WindowSteps = 2, Digits = 8, MaxExtraMinutes = 240 },
        };
        AddApps(policy, (Game, Wire.AppCategory.Games, 3u, Wire.AppAccess.Default),
            (TeenGame, Wire.AppCategory.Games, 16u, Wire.AppAccess.Default),
            (Video, Wire.AppCategory.Video, 3u, Wire.AppAccess.Default),
            (Reader, Wire.AppCategory.Reading, 3u, Wire.AppAccess.Default),
            (ClassApp, Wire.AppCategory.Education, 3u, Wire.AppAccess.Default),
            (Maps, Wire.AppCategory.Tools, 3u, Wire.AppAccess.Exempt));
        AddContacts(policy.Contacts, (Guardian, Wire.ContactRole.Guardian, true),
            (Classmate, Wire.ContactRole.Approved, false),
            (Friend, Wire.ContactRole.Approved, true),
            (Blocked, Wire.ContactRole.Blocked, false));
        policy.BlockedDomainHashes.AddRange(new[] { "casino.example", "adult.example", "tracker.ads.example" }.Select(Fnv1a.HashDomain).Order());
        return policy;
    }

    public static void AddApps(Wire.DevicePolicy policy, params (string Package, Wire.AppCategory Category, uint Rating, Wire.AppAccess Access)[] apps)
    {
        var all = policy.Apps.ToList();
        all.AddRange(apps.Select(a => new Wire.AppRule { AppId = Fnv1a.Hash32(a.Package), Category = a.Category, AgeRating = a.Rating, Access = a.Access }));
        policy.Apps.Clear();
        policy.Apps.AddRange(all.OrderBy(a => a.AppId));
    }

    public static void AddContacts(Wire.ContactPolicy contacts, params (string Number, Wire.ContactRole Role, bool Media)[] entries)
    {
        var all = contacts.Contacts.ToList();
        all.AddRange(entries.Select(e => new Wire.Contact { NumberHash = Fnv1a.HashPhoneNumber(e.Number), Role = e.Role, MediaAllowed = e.Media }));
        contacts.Contacts.Clear();
        contacts.Contacts.AddRange(all.OrderBy(c => c.NumberHash));
    }
}
