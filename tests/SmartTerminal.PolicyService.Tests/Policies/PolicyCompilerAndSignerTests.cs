using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Hashing;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Security;
using DeviceRefusal = SmartTerminal.Device.Core.Enforcement.PolicyRefusal;

namespace SmartTerminal.PolicyService.Tests.Policies;

/// <summary>Resolved settings compiled into the compact device policy, and signed so that the device core accepts exactly it.</summary>
public sealed class PolicyCompilerAndSignerTests
{
    private static readonly DateTimeOffset IssuedAt = new(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);

    private static readonly RegulationProfile Profile = new() { Id = "test", Jurisdiction = "CN", EmergencyNumbers = { "110", "120", "110" } };

    private static DevicePolicy Compile(PolicySettings settings, PolicyLimits? limits = null) =>
        PolicyCompiler.Compile(new ResolvedPolicy(Profile, 1, settings, limits ?? new PolicyLimits()), 7, IssuedAt, IssuedAt.AddDays(60));

    [Fact]
    public void One_daily_budget_becomes_seven_and_a_weekday_list_is_taken_as_it_is()
    {
        Assert.Equal(Enumerable.Repeat(45u, 7), Compile(new PolicySettings { DailyMinutes = 45 }).DailyBudgetMinutes);
        Assert.Equal([10u, 20, 30, 40, 50, 60, 70], Compile(new PolicySettings { DailyMinutes = 45, WeekdayDailyMinutes = { 10, 20, 30, 40, 50, 60, 70 } }).DailyBudgetMinutes);
        Assert.Empty(Compile(new PolicySettings()).DailyBudgetMinutes);
    }

    [Fact]
    public void Names_become_sorted_distinct_hashes_and_a_block_wins_over_an_allow_of_the_same_name()
    {
        var policy = Compile(new PolicySettings
        {
            Apps = { new AppSetting { PackageName = "com.b", Access = AppAccess.Allow }, new AppSetting { PackageName = "com.a" }, new AppSetting { PackageName = "com.b", Access = AppAccess.Block } },
            BlockedDomains = { "bets.example", "BETS.example" },
            Contacts = { new ContactSetting { Number = "+86 138 0000 0001", Role = ContactRole.Approved }, new ContactSetting { Number = "+8613800000001", Role = ContactRole.Blocked } },
        }, new PolicyLimits { RequiredBlockedDomains = { "casino.example" } });

        Assert.Equal(policy.Apps.Select(a => a.AppId).Order(), policy.Apps.Select(a => a.AppId));
        Assert.Equal(AppAccess.Block, policy.Apps.Single(a => a.AppId == Fnv1a.Hash32("com.b")).Access);
        Assert.Equal(new[] { Fnv1a.HashDomain("bets.example"), Fnv1a.HashDomain("casino.example") }.Order(), policy.BlockedDomainHashes);
        Assert.Equal(ContactRole.Blocked, Assert.Single(policy.Contacts.Contacts).Role);
        Assert.Equal(new[] { Fnv1a.HashPhoneNumber("110"), Fnv1a.HashPhoneNumber("120") }.Order(), policy.Contacts.EmergencyNumberHashes);
    }

    [Fact]
    public void Required_curfews_are_cut_out_of_the_allowed_time_and_a_week_without_any_becomes_a_window_that_never_matches()
    {
        var open = Compile(new PolicySettings());
        var curfewed = Compile(new PolicySettings(), new PolicyLimits { RequiredCurfews = { PolicyBoundsTests.Window(0x7F, 22 * 60, 6 * 60) } });
        var closed = Compile(new PolicySettings(), new PolicyLimits { RequiredCurfews = { PolicyBoundsTests.Window(0x7F, 0, 24 * 60) } });

        Assert.Empty(open.AllowedWindows);
        Assert.Equal([PolicyBoundsTests.Window(0x7F, 6 * 60, 22 * 60)], curfewed.AllowedWindows);
        Assert.Equal([new TimeWindow { WeekdayMask = 0 }], closed.AllowedWindows);
    }

    [Fact]
    public void The_policy_carries_its_validity_the_safety_functions_the_zones_offsets_and_the_currency()
    {
        var policy = Compile(new PolicySettings { TimeZone = "Asia/Shanghai" });

        Assert.Equal((7ul, IssuedAt.ToUnixTimeSeconds(), IssuedAt.AddDays(60).ToUnixTimeSeconds()), (policy.Version, policy.IssuedAtUnix, policy.ValidUntilUnix));
        Assert.Contains(AlwaysAllowedFunction.EmergencyCall, policy.AlwaysAllowed);
        Assert.Contains(AlwaysAllowedFunction.Sos, policy.AlwaysAllowed);
        Assert.Equal("CNY", policy.Spending.Currency);
        Assert.Equal(8 * 60, Assert.Single(policy.UtcOffsets).OffsetMinutes);
    }

    [Fact]
    public void A_signed_policy_is_accepted_by_the_device_core_and_any_changed_byte_or_other_key_is_refused()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var policy = Compile(new PolicySettings { DailyMinutes = 30 });
        var envelope = PolicySigner.Sign("st-1", 3, key, policy);
        var verifier = new PolicyVerifier(new DotNetHmacSha256(), new DeviceKeys("st-1", 3, key, new byte[32]));

        var accepted = verifier.Verify(envelope, 0, envelope.Length, 6, out var received, out _);
        var tampered = (byte[])envelope.Clone();
        tampered[tampered.Length / 2] ^= 1;
        var otherKey = PolicySigner.Sign("st-1", 3, RandomNumberGenerator.GetBytes(32), policy);
        var otherDevice = PolicySigner.Sign("st-2", 3, key, policy);

        Assert.Equal(DeviceRefusal.None, accepted);
        Assert.Equal(30u, received.DailyBudgetMinutes[0]);
        Assert.NotEqual(DeviceRefusal.None, verifier.Verify(tampered, 0, tampered.Length, 6, out _, out _));
        Assert.Equal(DeviceRefusal.BadMac, verifier.Verify(otherKey, 0, otherKey.Length, 6, out _, out _));
        Assert.Equal(DeviceRefusal.WrongDevice, verifier.Verify(otherDevice, 0, otherDevice.Length, 6, out _, out _));
        Assert.Equal(DeviceRefusal.NotNewer, verifier.Verify(envelope, 0, envelope.Length, 7, out _, out _));
    }

    [Fact]
    public void The_mac_covers_the_envelope_as_serialised_without_it()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var envelope = SignedPolicyEnvelope.Parser.ParseFrom(PolicySigner.Sign("st-1", 1, key, Compile(new PolicySettings())));
        var mac = envelope.Mac;
        envelope.Mac = ByteString.Empty;

        Assert.Equal(HMACSHA256.HashData(key, envelope.ToByteArray()), mac.ToByteArray());
    }
}
