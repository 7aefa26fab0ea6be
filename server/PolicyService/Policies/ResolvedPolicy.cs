using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>The outcome of resolving profile, baselines and guardian settings for one device.</summary>
public sealed record ResolvedPolicy(
    RegulationProfile Profile,
    int AgeBand,
    PolicySettings Settings,
    PolicyLimits Limits);
