using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Which layer sets each of the combined hard limits, so a guardian sees where a bound comes from
/// (the national profile or the manufacturer) before changing a setting. Follows
/// <see cref="PolicyBounds.Combine"/>: a lower layer is the source only where it tightens.
/// </summary>
public static class LimitSources
{
    public static IReadOnlyList<LimitSource> Of(IEnumerable<(PolicyLayer Layer, PolicyLimits? Limits)> layersTopDown)
    {
        var sources = new Dictionary<string, PolicyLayer>(StringComparer.Ordinal);
        var curfews = new List<PolicyLayer>();
        var domains = new List<(string Domain, PolicyLayer Layer)>();
        PolicyLimits? combined = null;
        foreach (var (layer, limits) in layersTopDown)
        {
            if (limits is null)
            {
                continue;
            }

            var upper = combined ?? new PolicyLimits();
            Max(sources, "max_daily_minutes", layer, upper.HasMaxDailyMinutes, upper.MaxDailyMinutes, limits.HasMaxDailyMinutes, limits.MaxDailyMinutes);
            Max(sources, "max_continuous_use_minutes", layer, upper.HasMaxContinuousUseMinutes, upper.MaxContinuousUseMinutes, limits.HasMaxContinuousUseMinutes, limits.MaxContinuousUseMinutes);
            Max(sources, "max_age_rating", layer, upper.HasMaxAgeRating, upper.MaxAgeRating, limits.HasMaxAgeRating, limits.MaxAgeRating);
            Max(sources, "max_per_transaction_cap", layer, upper.HasMaxPerTransactionCap, upper.MaxPerTransactionCap, limits.HasMaxPerTransactionCap, limits.MaxPerTransactionCap);
            Max(sources, "max_daily_spending_cap", layer, upper.HasMaxDailySpendingCap, upper.MaxDailySpendingCap, limits.HasMaxDailySpendingCap, limits.MaxDailySpendingCap);
            Permission(sources, "may_allow_stranger_messages", layer, upper.HasMayAllowStrangerMessages, upper.MayAllowStrangerMessages, limits.HasMayAllowStrangerMessages, limits.MayAllowStrangerMessages);
            Permission(sources, "may_open_contacts", layer, upper.HasMayOpenContacts, upper.MayOpenContacts, limits.HasMayOpenContacts, limits.MayOpenContacts);
            curfews.AddRange(limits.RequiredCurfews.Select(_ => layer));
            domains.AddRange(limits.RequiredBlockedDomains
                .Where(d => !domains.Any(known => string.Equals(known.Domain, d, StringComparison.OrdinalIgnoreCase)))
                .Select(d => (d, layer)));
            combined = combined is null ? limits.Clone() : PolicyBounds.Combine(combined, limits);
        }

        var result = sources.Select(s => new LimitSource { Limit = s.Key, Layer = s.Value }).OrderBy(s => s.Limit, StringComparer.Ordinal).ToList();
        result.AddRange(curfews.Select((layer, i) => new LimitSource { Limit = $"required_curfews[{i}]", Layer = layer }));
        result.AddRange(domains.Select((d, i) => new LimitSource { Limit = $"required_blocked_domains[{i}]", Layer = d.Layer }));
        return result;
    }

    // A maximum: the layer whose value is the lowest so far (the higher layer keeps it on a tie).
    private static void Max(Dictionary<string, PolicyLayer> sources, string limit, PolicyLayer layer, bool upperSet, uint upper, bool lowerSet, uint lower)
    {
        if (lowerSet && (!upperSet || lower < upper))
        {
            sources[limit] = layer;
        }
    }

    // A permission: the first layer that sets it, or a lower one that withdraws it.
    private static void Permission(Dictionary<string, PolicyLayer> sources, string limit, PolicyLayer layer, bool upperSet, bool upper, bool lowerSet, bool lower)
    {
        if (lowerSet && (!upperSet || (upper && !lower)))
        {
            sources[limit] = layer;
        }
    }
}
