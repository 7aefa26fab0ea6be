using System.Net;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Broker;
using SmartTerminal.PolicyService.Broker.Transport;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Ingestion;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>Bounds on what guardians, manufacturers and devices send, table by table.</summary>
public sealed class InputLimitsTests
{
    private static FieldViolations Check(PolicySettings settings)
    {
        var violations = new FieldViolations();
        SettingsSizeLimits.Check(settings, "settings", violations);
        return violations;
    }

    [Fact]
    public void Settings_at_the_device_limits_pass_and_one_more_entry_names_the_list()
    {
        var atLimit = new PolicySettings();
        atLimit.BlockedDomains.AddRange(Enumerable.Range(0, SettingsSizeLimits.MaxDomains).Select(i => $"site{i}.example"));
        atLimit.Apps.AddRange(Enumerable.Range(0, SettingsSizeLimits.MaxApps).Select(i => new AppSetting { PackageName = $"com.app{i}" }));
        atLimit.Contacts.AddRange(Enumerable.Range(0, SettingsSizeLimits.MaxContacts).Select(i => new ContactSetting { Number = $"86138{i:D8}" }));
        Assert.False(Check(atLimit).Any);

        var over = atLimit.Clone();
        over.AllowedDomains.Add("one.more.example");
        over.Contacts.Add(new ContactSetting { Number = "8613899999999" });
        var violations = Check(over).Items.ToDictionary(v => v.Field, v => v.Description);

        Assert.Equal(["settings.blocked_domains", "settings.contacts"], violations.Keys.Order());
        Assert.Contains("5001 blocked and allowed domains together; a device holds at most 5000", violations["settings.blocked_domains"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("blocked_domains", 254)]
    [InlineData("apps", 257)]
    [InlineData("contacts", 33)]
    public void An_overlong_entry_is_named_by_its_index(string list, int length)
    {
        var settings = new PolicySettings();
        var text = new string('a', length);
        switch (list)
        {
            case "blocked_domains": settings.BlockedDomains.AddRange(["ok.example", text]); break;
            case "apps": settings.Apps.AddRange([new AppSetting { PackageName = "ok" }, new AppSetting { PackageName = text }]); break;
            default: settings.Contacts.AddRange([new ContactSetting { Number = "1" }, new ContactSetting { Number = text }]); break;
        }

        var violation = Assert.Single(Check(settings).Items);

        Assert.StartsWith($"settings.{list}[1]", violation.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void A_compiled_policy_over_the_device_budget_names_its_largest_list()
    {
        var policy = new DevicePolicy();
        policy.BlockedDomainHashes.AddRange(Enumerable.Range(0, 9000).Select(i => (uint)i));
        policy.Apps.Add(new AppRule { AppId = 1 });
        var violations = new FieldViolations();

        PolicyBudget.Check(policy, envelopeBytes: 36_500, maxBytes: 32_768, "settings", violations);

        var violation = Assert.Single(violations.Items);
        Assert.Equal("settings.blocked_domains", violation.Field);
        Assert.Contains("36,500 bytes, over the device budget of 32,768", violation.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x30, 0x7F }, 200, false)] // PUBLISH of 127 bytes
    [InlineData(new byte[] { 0x30, 0xC9, 0x01 }, 200, true)] // 201 bytes, announced over two length bytes
    [InlineData(new byte[] { 0x30, 0xFF, 0xFF, 0xFF, 0x7F }, 1_000_000, true)] // 256 MB
    [InlineData(new byte[] { 0x30, 0xFF, 0xFF, 0xFF, 0xFF }, int.MaxValue, true)] // a fifth length byte: malformed
    [InlineData(new byte[] { 0xC0, 0x00, 0xC0, 0x00 }, 0, false)] // two PINGREQs, no body
    public void The_packet_guard_judges_the_announced_length_before_any_body(byte[] header, int limit, bool refused)
    {
        var guard = new PacketSizeGuard(limit);

        var exception = Record.Exception(() => guard.Observe(header));

        Assert.Equal(refused, exception is MqttPacketTooLargeException);
        Assert.Equal(refused, guard.Tripped);
    }

    [Fact]
    public void The_packet_guard_follows_packets_split_across_reads()
    {
        var guard = new PacketSizeGuard(10);
        byte[] stream = [0x30, 0x03, 1, 2, 3, 0x30, 0x0A, .. new byte[10], 0x30, 0x0B];

        foreach (var b in stream[..^1])
        {
            guard.Observe([b]);
        }

        Assert.Throws<MqttPacketTooLargeException>(() => guard.Observe(stream[^1..]));
    }

    [Fact]
    public void Failed_logins_are_limited_per_id_and_address_and_one_address_cannot_lock_an_id_out_elsewhere()
    {
        var throttle = new LoginThrottle(TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new BrokerOptions { FailedLoginsPerClient = 3, FailedLoginsPerAddress = 5 }));
        var attacker = new IPEndPoint(IPAddress.Parse("10.0.0.66"), 1000);
        var owner = new IPEndPoint(IPAddress.Parse("10.0.0.7"), 1000);
        for (var i = 0; i < 3; i++)
        {
            Assert.False(throttle.IsBlocked("st-1", attacker));
            throttle.Failed("st-1", attacker);
        }

        Assert.True(throttle.IsBlocked("st-1", attacker));
        Assert.False(throttle.IsBlocked("st-1", owner));
        throttle.Failed("st-2", attacker);
        throttle.Failed("st-3", attacker);
        Assert.True(throttle.IsBlocked("st-4", attacker));
        Assert.False(throttle.IsBlocked("st-4", owner));
    }

    [Fact]
    public void Record_times_outside_the_window_unknown_categories_and_impossible_durations_are_refused_by_index()
    {
        var now = DateTimeOffset.Parse("2026-12-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var registered = now.AddDays(-30);
        var uplink = new UplinkEnvelope { Sequence = 7, Usage = new UsageBatch() };
        UsageRecord Record(DateTimeOffset at, AppCategory category = AppCategory.Games, uint used = 60, uint bucket = 300) =>
            new() { BucketStartUnix = at.ToUnixTimeSeconds(), Category = category, UsedSeconds = used, BucketSeconds = bucket };
        uplink.Usage.Records.AddRange(
        [
            Record(now.AddMinutes(-5)),
            Record(registered.AddDays(-2)),
            Record(now.AddDays(2)),
            Record(now.AddMinutes(-5), (AppCategory)77),
            Record(now.AddMinutes(-5), used: 331),
            Record(now.AddMinutes(-5), bucket: 40 * 24 * 3600, used: 60),
            Record(now.AddDays(-29)),
        ]);

        var verdict = UplinkValidation.Check(uplink, now, registered, new TelemetryOptions());

        Assert.Equal([1, 2, 3, 4, 5], verdict.Rejected.Order());
        Assert.Contains("1 usage record(s) before the accepted window", verdict.Reason, StringComparison.Ordinal);
        Assert.Equal(2, TelemetryPoints.From("fl", "st-1", uplink, verdict).Count);
    }
}
