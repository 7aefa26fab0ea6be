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
        var profile = fleetLayers.Profile;
        var bandIndex = RegulationProfiles.BandIndex(profile, ChildAge.From(device.ChildBirthMonth, time.GetUtcNow().UtcDateTime));
        var band = profile.AgeBands[bandIndex];
        var settings = band.Defaults ?? new PolicySettings();
        var limits = band.Limits ?? new PolicyLimits();
        foreach (var baseline in new[] { fleetLayers.FleetBaseline, fleetLayers.ModelBaseline })
        {
            var baselineBand = baseline?.AgeBands.FirstOrDefault(b => b.MinAge == band.MinAge && b.MaxAge == band.MaxAge);
            if (baselineBand is not null)
            {
                settings = SettingsMerger.Merge(settings, baselineBand.Defaults);
                limits = PolicyBounds.Combine(limits, baselineBand.Limits);
            }
        }

        return new ResolvedPolicy(profile, bandIndex, SettingsMerger.Merge(settings, guardianSettings), limits);
    }
}
