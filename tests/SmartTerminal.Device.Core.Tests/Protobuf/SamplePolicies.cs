using Google.Protobuf;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Protobuf;

/// <summary>Google.Protobuf messages that exercise every field, with edge values.</summary>
internal static class SamplePolicies
{
    public static Wire.DevicePolicy Full()
    {
        var policy = new Wire.DevicePolicy
        {
            Version = ulong.MaxValue,
            IssuedAtUnix = long.MinValue,
            ValidUntilUnix = 1_900_000_000,
            ProfileId = "cn-minor-mode-2024 未成年人模式",
            AgeBand = 2,
            DailyBudgetMinutes = { 40, 40, 40, 40, 60, 0, uint.MaxValue },
            CategoryBudgets =
            {
                new Wire.CategoryBudget { Category = Wire.AppCategory.Games, DailyMinutes = 20 },
                new Wire.CategoryBudget { Category = Wire.AppCategory.Education, Unlimited = true, ExemptFromDailyTotal = true },
                new Wire.CategoryBudget(),
            },
            AlwaysAllowed = { Wire.AlwaysAllowedFunction.EmergencyCall, Wire.AlwaysAllowedFunction.Sos, (Wire.AlwaysAllowedFunction)(-7) },
            AllowedWindows =
            {
                new Wire.TimeWindow { WeekdayMask = 0x1F, StartMinute = 360, EndMinute = 1320 },
                new Wire.TimeWindow { WeekdayMask = 0x60, StartMinute = 1320, EndMinute = 60 },
            },
            ClassWindows = { new Wire.TimeWindow { WeekdayMask = 0x1F, StartMinute = 480, EndMinute = 720 } },
            ClassAllowedAppIds = { 7, 0x80000000, uint.MaxValue },
            ContinuousUse = new Wire.ContinuousUseRule { LimitMinutes = 30, RestMinutes = 10, ForcedBreak = true, IdleTimeoutSeconds = 120 },
            WarningMinutes = { 5, 1 },
            Apps =
            {
                new Wire.AppRule { AppId = 1, Category = Wire.AppCategory.Games, AgeRating = 12, Access = Wire.AppAccess.Block },
                new Wire.AppRule { AppId = 2, Category = Wire.AppCategory.Reading, AgeRating = 3, Access = Wire.AppAccess.Exempt },
                new Wire.AppRule { AppId = uint.MaxValue },
            },
            MaxAgeRating = 12,
            AllowUnlistedApps = true,
            DomainMode = Wire.DomainMode.AllowlistOnly,
            BlockedDomainHashes = { 0, 1, 0xDEADBEEF, uint.MaxValue },
            AllowedDomainHashes = { 42 },
            Contacts = new Wire.ContactPolicy
            {
                Mode = Wire.ContactMode.AllowlistWithApproval,
                StrangerMessagesAllowed = false,
                MediaMode = Wire.MediaMode.GuardiansOnly,
                Contacts =
                {
                    new Wire.Contact { NumberHash = 5, Role = Wire.ContactRole.Guardian, MediaAllowed = true },
                    new Wire.Contact { NumberHash = ulong.MaxValue, Role = Wire.ContactRole.Blocked },
                },
                EmergencyNumberHashes = { 110, 112, 119, 120 },
            },
            Spending = new Wire.SpendingRule { PerTransactionCap = 5000, DailyCap = 20000, Currency = "CNY", PaymentsEnabled = true },
            Permissions = new Wire.PermissionRule { CameraAllowed = true, BlockWhileCharging = true },
            UtcOffsets =
            {
                new Wire.UtcOffsetTransition { FromUnix = -1, OffsetMinutes = -570 },
                new Wire.UtcOffsetTransition { FromUnix = 1_700_000_000, OffsetMinutes = 480 },
                new Wire.UtcOffsetTransition { FromUnix = long.MaxValue, OffsetMinutes = int.MinValue },
            },
            OfflineCodes = new Wire.OfflineCodeRule { StepSeconds = 300, WindowSteps = 2, Digits = 8, MaxExtraMinutes = 120 },
        };
        return policy;
    }

    /// <summary>A policy of the size the engine issue names: 5,000 domains, 500 apps, 200 contacts.</summary>
    public static Wire.DevicePolicy Large(int domains = 5000, int apps = 500, int contacts = 200)
    {
        var random = new Random(1234);
        var policy = Full();
        policy.BlockedDomainHashes.Clear();
        policy.BlockedDomainHashes.AddRange(Enumerable.Range(0, domains).Select(_ => (uint)random.NextInt64(0, uint.MaxValue)).Order());
        policy.Apps.Clear();
        policy.Apps.AddRange(Enumerable.Range(0, apps).Select(_ => (uint)random.NextInt64(1, uint.MaxValue)).Distinct().Order()
            .Select(id => new Wire.AppRule { AppId = id, Category = (Wire.AppCategory)(id % 11), AgeRating = id % 19, Access = (Wire.AppAccess)(id % 4) }));
        policy.Contacts.Contacts.Clear();
        policy.Contacts.Contacts.AddRange(Enumerable.Range(0, contacts).Select(_ => (ulong)random.NextInt64()).Distinct().Order()
            .Select(hash => new Wire.Contact { NumberHash = hash, Role = (Wire.ContactRole)(hash % 3), MediaAllowed = hash % 2 == 0 }));
        return policy;
    }

    public static byte[] Bytes(IMessage message) => message.ToByteArray();
}
