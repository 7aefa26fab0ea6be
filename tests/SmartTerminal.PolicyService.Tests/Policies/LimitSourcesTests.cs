using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Policies;

namespace SmartTerminal.PolicyService.Tests.Policies;

/// <summary>Each combined limit names the layer that sets it: the profile unless a baseline tightens it.</summary>
public sealed class LimitSourcesTests
{
    private static Dictionary<string, PolicyLayer> SourcesOf(PolicyLimits profile, PolicyLimits? fleet, PolicyLimits? model) =>
        LimitSources.Of([(PolicyLayer.RegulationProfile, profile), (PolicyLayer.FleetBaseline, fleet), (PolicyLayer.ModelBaseline, model)])
            .ToDictionary(s => s.Limit, s => s.Layer);

    [Fact]
    public void A_baseline_is_the_source_only_where_it_tightens()
    {
        var profile = new PolicyLimits { MaxDailyMinutes = 120, MaxAgeRating = 12, MayAllowStrangerMessages = true, MayOpenContacts = false };
        var fleet = new PolicyLimits { MaxDailyMinutes = 90, MaxAgeRating = 12, MayAllowStrangerMessages = false, MayOpenContacts = false };
        var model = new PolicyLimits { MaxDailyMinutes = 100, MaxPerTransactionCap = 2000 };

        var sources = SourcesOf(profile, fleet, model);

        Assert.Equal(PolicyLayer.FleetBaseline, sources["max_daily_minutes"]);
        Assert.Equal(PolicyLayer.RegulationProfile, sources["max_age_rating"]);
        Assert.Equal(PolicyLayer.FleetBaseline, sources["may_allow_stranger_messages"]);
        Assert.Equal(PolicyLayer.RegulationProfile, sources["may_open_contacts"]);
        Assert.Equal(PolicyLayer.ModelBaseline, sources["max_per_transaction_cap"]);
        Assert.False(sources.ContainsKey("max_continuous_use_minutes"));
    }

    [Fact]
    public void Every_required_curfew_and_blocked_domain_keeps_the_layer_that_added_it()
    {
        var curfew = new TimeWindow { WeekdayMask = 0x7F, StartMinute = 22 * 60, EndMinute = 6 * 60 };
        var school = new TimeWindow { WeekdayMask = 0x1F, StartMinute = 8 * 60, EndMinute = 12 * 60 };
        var profile = new PolicyLimits { RequiredCurfews = { curfew }, RequiredBlockedDomains = { "casino.example" } };
        var fleet = new PolicyLimits { RequiredCurfews = { school }, RequiredBlockedDomains = { "CASINO.example", "games.example" } };

        var sources = SourcesOf(profile, fleet, null);

        Assert.Equal(PolicyLayer.RegulationProfile, sources["required_curfews[0]"]);
        Assert.Equal(PolicyLayer.FleetBaseline, sources["required_curfews[1]"]);
        Assert.Equal(PolicyLayer.RegulationProfile, sources["required_blocked_domains[0]"]);
        Assert.Equal(PolicyLayer.FleetBaseline, sources["required_blocked_domains[1]"]);
        Assert.False(sources.ContainsKey("required_blocked_domains[2]"));
        var combined = PolicyBounds.Combine(profile, fleet);
        Assert.Equal(combined.RequiredCurfews.Count, sources.Keys.Count(k => k.StartsWith("required_curfews", StringComparison.Ordinal)));
        Assert.Equal(combined.RequiredBlockedDomains.Count, sources.Keys.Count(k => k.StartsWith("required_blocked_domains", StringComparison.Ordinal)));
    }
}
