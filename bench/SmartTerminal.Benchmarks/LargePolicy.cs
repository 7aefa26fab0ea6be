using Google.Protobuf;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Benchmarks;

/// <summary>The policy size the engine issue names: 5,000 blocked domains, 500 apps, 200 contacts.</summary>
internal static class LargePolicy
{
    public static Wire.DevicePolicy Create(int domains = 5000, int apps = 500, int contacts = 200)
    {
        var random = new Random(1234);
        var policy = new Wire.DevicePolicy
        {
            Version = 42,
            IssuedAtUnix = 1_764_000_000,
            ValidUntilUnix = 1_766_592_000,
            ProfileId = "cn-minor-mode-2024",
            AgeBand = 2,
            DailyBudgetMinutes = { 60, 60, 60, 60, 60, 120, 120 },
            AllowedWindows = { new Wire.TimeWindow { WeekdayMask = 0x7F, StartMinute = 360, EndMinute = 1320 } },
            ContinuousUse = new Wire.ContinuousUseRule { LimitMinutes = 30, RestMinutes = 10, IdleTimeoutSeconds = 120 },
            WarningMinutes = { 5, 1 },
            MaxAgeRating = 12,
            Contacts = new Wire.ContactPolicy { Mode = Wire.ContactMode.AllowlistWithApproval, EmergencyNumberHashes = { 110, 112, 119, 120 } },
            Spending = new Wire.SpendingRule { PerTransactionCap = 5000, DailyCap = 20000, Currency = "CNY" },
        };
        policy.BlockedDomainHashes.AddRange(Enumerable.Range(0, domains).Select(_ => (uint)random.NextInt64(0, uint.MaxValue)).Order());
        policy.Apps.AddRange(Enumerable.Range(0, apps).Select(_ => (uint)random.NextInt64(1, uint.MaxValue)).Distinct().Order()
            .Select(id => new Wire.AppRule { AppId = id, Category = (Wire.AppCategory)(id % 11), AgeRating = id % 19, Access = (Wire.AppAccess)(id % 4) }));
        policy.Contacts.Contacts.AddRange(Enumerable.Range(0, contacts).Select(_ => (ulong)random.NextInt64()).Distinct().Order()
            .Select(hash => new Wire.Contact { NumberHash = hash, Role = (Wire.ContactRole)(hash % 3), MediaAllowed = hash % 2 == 0 }));
        return policy;
    }

    public static byte[] Bytes() => Create().ToByteArray();
}
