using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Resolves regulation profile -> fleet baseline -> model baseline -> guardian settings into the
/// effective settings and hard limits of one device (design brief section 3).
/// </summary>
public sealed class PolicyResolver(StateDatabase database, FleetStore fleets, RegulationProfiles profiles, PolicyLayers layers, TimeProvider time)
{
    public async Task<ResolvedPolicy> ResolveAsync(DeviceRecord device, PolicySettings? guardianOverride = null)
    {
        await using var session = await database.ReadAsync();
        return await ResolveAsync(session, device, guardianOverride);
    }

    public async Task<ResolvedPolicy> ResolveAsync(StateSession session, DeviceRecord device, PolicySettings? guardianOverride = null) =>
        Resolve(device, await FleetLayersAsync(session, device.FleetId, device.ModelId), guardianOverride ?? (await layers.GetGuardianSettingsAsync(session, device.Id))?.Settings);

    /// <summary>The layers every device of a fleet's model shares: read once for a whole batch of its devices.</summary>
    public async Task<FleetLayers> FleetLayersAsync(StateSession session, string fleetId, string modelId)
    {
        var profileId = (await fleets.FindAsync(session, fleetId))?.ProfileId ?? throw new NotFoundException("fleet", fleetId);
        var profile = profiles.Find(profileId) ?? throw new PreconditionFailedException($"profile '{profileId}' is unknown");
        var fleetBaseline = await layers.GetBaselineAsync(session, fleetId, string.Empty);
        var modelBaseline = modelId.Length == 0 ? null : await layers.GetBaselineAsync(session, fleetId, modelId);
        return new FleetLayers(profile, fleetBaseline, modelBaseline);
    }

    /// <summary>The device's effective policy from its fleet's layers and its guardians' settings (no I/O).</summary>
    public ResolvedPolicy Resolve(DeviceRecord device, FleetLayers fleetLayers, PolicySettings? guardianSettings)
    {
        var bandIndex = BandIndexOf(device, fleetLayers);
        var settings = new PolicySettings();
        PolicyLimits? limits = null;
        foreach (var (_, band) in BandLayers(fleetLayers, bandIndex))
        {
            settings = SettingsMerger.Merge(settings, band.Defaults);
            limits = limits is null ? band.Limits?.Clone() ?? new PolicyLimits() : PolicyBounds.Combine(limits, band.Limits);
        }

        return new ResolvedPolicy(fleetLayers.Profile, bandIndex, SettingsMerger.Merge(settings, guardianSettings), limits!);
    }

    /// <summary>What the device's guardian settings must keep: the combined limits, their sources and the inherited values.</summary>
    public async Task<GuardianBounds> GuardianBoundsAsync(DeviceRecord device)
    {
        FleetLayers fleetLayers;
        await using (var session = await database.ReadAsync())
        {
            fleetLayers = await FleetLayersAsync(session, device.FleetId, device.ModelId);
        }

        var inherited = Resolve(device, fleetLayers, guardianSettings: null);
        var sources = LimitSources.Of(BandLayers(fleetLayers, inherited.AgeBand).Select(l => (l.Layer, (PolicyLimits?)l.Band.Limits)));
        return new GuardianBounds(inherited.Profile, inherited.Profile.AgeBands[inherited.AgeBand], inherited.Limits, sources, inherited.Settings);
    }

    private int BandIndexOf(DeviceRecord device, FleetLayers fleetLayers) =>
        RegulationProfiles.BandIndex(fleetLayers.Profile, ChildAge.From(device.ChildBirthMonth, time.GetUtcNow().UtcDateTime));

    // The device's age band in each layer that has it, top down: the profile's, then the fleet's and the model's baselines.
    private static IEnumerable<(PolicyLayer Layer, AgeBandPolicy Band)> BandLayers(FleetLayers fleetLayers, int bandIndex)
    {
        var band = fleetLayers.Profile.AgeBands[bandIndex];
        yield return (PolicyLayer.RegulationProfile, band);
        foreach (var (layer, baseline) in new[] { (PolicyLayer.FleetBaseline, fleetLayers.FleetBaseline), (PolicyLayer.ModelBaseline, fleetLayers.ModelBaseline) })
        {
            // A baseline's bands match the profile's exactly (checked when it is set).
            if (baseline?.AgeBands.FirstOrDefault(b => b.MinAge == band.MinAge && b.MaxAge == band.MaxAge) is { } baselineBand)
            {
                yield return (layer, baselineBand);
            }
        }
    }
}
