using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Policies;

namespace SmartTerminal.PolicyService.Tests.Policies;

/// <summary>Hard limits down the layers: each layer may only tighten, and settings are checked against the result.</summary>
public sealed class PolicyBoundsTests
{
    // upper max, lower max (null = unset), combined.
    public static TheoryData<uint?, uint?, uint?> Maxima => new()
    {
        { 120, 90, 90 },
        { 90, 120, 90 },
        { null, 60, 60 },
        { 60, null, 60 },
        { null, null, null },
    };

    [Theory]
    [MemberData(nameof(Maxima))]
    public void Combining_keeps_the_stricter_maximum_of_every_field(uint? upper, uint? lower, uint? combined)
    {
        static PolicyLimits Limits(uint? value)
        {
            var limits = new PolicyLimits();
            if (value is { } v)
            {
                limits.MaxDailyMinutes = v;
                limits.MaxContinuousUseMinutes = v;
                limits.MaxAgeRating = v;
                limits.MaxPerTransactionCap = v;
                limits.MaxDailySpendingCap = v;
            }

            return limits;
        }

        var result = PolicyBounds.Combine(Limits(upper), Limits(lower));

        Assert.Equal(combined, result.HasMaxDailyMinutes ? result.MaxDailyMinutes : null);
        Assert.Equal(combined, result.HasMaxContinuousUseMinutes ? result.MaxContinuousUseMinutes : null);
        Assert.Equal(combined, result.HasMaxAgeRating ? result.MaxAgeRating : null);
        Assert.Equal(combined, result.HasMaxPerTransactionCap ? result.MaxPerTransactionCap : null);
        Assert.Equal(combined, result.HasMaxDailySpendingCap ? result.MaxDailySpendingCap : null);
    }

    // upper allows (null = unset), lower allows, combined.
    [Theory]
    [InlineData(false, true, false)]
    [InlineData(true, false, false)]
    [InlineData(null, true, true)]
    [InlineData(true, true, true)]
    public void Combining_a_permission_keeps_it_only_when_every_layer_gives_it(bool? upper, bool lower, bool combined)
    {
        var upperLimits = new PolicyLimits();
        if (upper is { } u)
        {
            upperLimits.MayOpenContacts = u;
            upperLimits.MayAllowStrangerMessages = u;
        }

        var result = PolicyBounds.Combine(upperLimits, new PolicyLimits { MayOpenContacts = lower, MayAllowStrangerMessages = lower });

        Assert.Equal((combined, combined), (result.MayOpenContacts, result.MayAllowStrangerMessages));
    }

    [Fact]
    public void Combining_adds_the_lower_layers_curfews_and_blocked_domains_once()
    {
        var upper = new PolicyLimits { RequiredCurfews = { Window(0x7F, 22 * 60, 7 * 60) }, RequiredBlockedDomains = { "casino.example" } };
        var lower = new PolicyLimits { RequiredCurfews = { Window(0x1F, 12 * 60, 13 * 60) }, RequiredBlockedDomains = { "CASINO.example", "bets.example" } };

        var result = PolicyBounds.Combine(upper, lower);

        Assert.Equal(2, result.RequiredCurfews.Count);
        Assert.Equal(["casino.example", "bets.example"], result.RequiredBlockedDomains);
    }

    // field of the lower layer's limits, how it is set above the upper layer's 60, the violation's field.
    public static TheoryData<string, Action<PolicyLimits>> Loosenings => new()
    {
        { "max_daily_minutes", l => l.MaxDailyMinutes = 61 },
        { "max_continuous_use_minutes", l => l.MaxContinuousUseMinutes = 61 },
        { "max_age_rating", l => l.MaxAgeRating = 61 },
        { "max_per_transaction_cap", l => l.MaxPerTransactionCap = 61 },
        { "max_daily_spending_cap", l => l.MaxDailySpendingCap = 61 },
        { "may_allow_stranger_messages", l => l.MayAllowStrangerMessages = true },
        { "may_open_contacts", l => l.MayOpenContacts = true },
    };

    [Theory]
    [MemberData(nameof(Loosenings))]
    public void A_lower_layer_that_loosens_a_limit_is_refused_naming_the_field_and_the_bound(string field, Action<PolicyLimits> loosen)
    {
        var upper = new PolicyLimits { MaxDailyMinutes = 60, MaxContinuousUseMinutes = 60, MaxAgeRating = 60, MaxPerTransactionCap = 60, MaxDailySpendingCap = 60, MayAllowStrangerMessages = false, MayOpenContacts = false };
        var lower = new PolicyLimits();
        loosen(lower);
        var violations = new FieldViolations();

        PolicyBounds.CheckStricter(upper, lower, "age_bands[0].limits", "profile cn-minor-mode-2024", violations);

        var violation = Assert.Single(violations.Items);
        Assert.Equal($"age_bands[0].limits.{field}", violation.Field);
        Assert.Contains("profile cn-minor-mode-2024", violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lower_layer_as_strict_or_stricter_passes()
    {
        var upper = new PolicyLimits { MaxDailyMinutes = 60, MayOpenContacts = false };
        var violations = new FieldViolations();

        PolicyBounds.CheckStricter(upper, new PolicyLimits { MaxDailyMinutes = 60, MayOpenContacts = false }, "limits", "the fleet baseline", violations);
        PolicyBounds.CheckStricter(upper, new PolicyLimits { MaxDailyMinutes = 30 }, "limits", "the fleet baseline", violations);

        Assert.False(violations.Any);
    }

    // settings, the field a 40-minute hard limit (and the other limits below) refuses.
    public static TheoryData<PolicySettings, string> BadSettings => new()
    {
        { new PolicySettings { DailyMinutes = 41 }, "settings.daily_minutes" },
        { new PolicySettings { DailyMinutes = 1441 }, "settings.daily_minutes" },
        { new PolicySettings { WeekdayDailyMinutes = { 30, 30, 30, 41, 30, 30, 30 } }, "settings.weekday_daily_minutes[3]" },
        { new PolicySettings { WeekdayDailyMinutes = { 30, 30 } }, "settings.weekday_daily_minutes" },
        { new PolicySettings { AllowedWindows = { Window(0x7F, 20 * 60, 23 * 60) } }, "settings.allowed_windows" },
        { new PolicySettings { ContinuousUse = new ContinuousUseRule { LimitMinutes = 0 } }, "settings.continuous_use.limit_minutes" },
        { new PolicySettings { MaxAgeRating = 16 }, "settings.max_age_rating" },
        { new PolicySettings { Apps = { new AppSetting { PackageName = "com.m.rated", AgeRating = 16, Access = AppAccess.Allow } } }, "settings.apps[0].access" },
        { new PolicySettings { Apps = { new AppSetting { PackageName = " " } } }, "settings.apps[0].package_name" },
        { new PolicySettings { PerTransactionCap = 101 }, "settings.per_transaction_cap" },
        { new PolicySettings { StrangerMessagesAllowed = true }, "settings.stranger_messages_allowed" },
        { new PolicySettings { ContactMode = ContactMode.Open }, "settings.contact_mode" },
        { new PolicySettings { AllowedDomains = { "Casino.Example" } }, "settings.allowed_domains" },
        { new PolicySettings { Contacts = { new ContactSetting { Number = "mum" } } }, "settings.contacts[0].number" },
        { new PolicySettings { TimeZone = "Mars/Olympus" }, "settings.time_zone" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Settings_beyond_a_limit_or_beyond_sense_are_refused_on_the_field(PolicySettings settings, string field)
    {
        var limits = new PolicyLimits
        {
            MaxDailyMinutes = 40, MaxContinuousUseMinutes = 30, MaxAgeRating = 12, MaxPerTransactionCap = 100,
            MayAllowStrangerMessages = false, MayOpenContacts = false,
            RequiredCurfews = { Window(0x7F, 22 * 60, 6 * 60) }, RequiredBlockedDomains = { "casino.example" },
        };
        var violations = new FieldViolations();

        PolicyBounds.CheckSettings(settings, limits, "settings", "profile cn-minor-mode-2024", violations);

        Assert.Equal([field], violations.Items.Select(v => v.Field));
    }

    [Fact]
    public void Settings_within_every_limit_pass()
    {
        var settings = new PolicySettings
        {
            DailyMinutes = 40, MaxAgeRating = 12, ContinuousUse = new ContinuousUseRule { LimitMinutes = 20, RestMinutes = 10 },
            AllowedWindows = { Window(0x7F, 8 * 60, 20 * 60) }, ContactMode = ContactMode.Allowlist, TimeZone = "Asia/Shanghai",
            Contacts = { new ContactSetting { Number = "+86 138 0000 0000", Role = ContactRole.Guardian } },
        };
        var violations = new FieldViolations();

        PolicyBounds.CheckSettings(settings, new PolicyLimits { MaxDailyMinutes = 40, MaxAgeRating = 12, MaxContinuousUseMinutes = 30, RequiredCurfews = { Window(0x7F, 22 * 60, 6 * 60) } }, "settings", "the profile", violations);

        Assert.Empty(violations.Items);
    }

    internal static TimeWindow Window(uint mask, int start, int end) => new() { WeekdayMask = mask, StartMinute = (uint)start, EndMinute = (uint)end };
}
