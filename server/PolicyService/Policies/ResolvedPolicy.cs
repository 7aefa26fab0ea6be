using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>The outcome of resolving profile, baselines and guardian settings for one device.</summary>
public sealed record ResolvedPolicy(
    RegulationProfile Profile,
    int AgeBand,
    PolicySettings Settings,
    PolicyLimits Limits);

/// <summary>What a fleet's model adds above its devices: the regulation profile and the fleet's and model's baselines.</summary>
public sealed record FleetLayers(RegulationProfile Profile, Baseline? FleetBaseline, Baseline? ModelBaseline);

/// <summary>The bounds of a device's guardian layer: its age band, the combined limits, which layer sets each, and what unset fields inherit.</summary>
public sealed record GuardianBounds(
    RegulationProfile Profile,
    AgeBandPolicy Band,
    PolicyLimits Limits,
    IReadOnlyList<LimitSource> Sources,
    PolicySettings Inherited);
