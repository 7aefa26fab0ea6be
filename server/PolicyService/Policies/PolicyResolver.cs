using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Api;
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

    public async Task<ResolvedPolicy> ResolveAsync(StateSession session, DeviceRecord device, PolicySettings? guardianOverride = null)
    {
        var profileId = (await fleets.FindAsync(session, device.FleetId))?.ProfileId ?? throw ApiErrors.NotFound("fleet", device.FleetId);
        var profile = profiles.Find(profileId) ?? throw ApiErrors.FailedPrecondition($"profile '{profileId}' is unknown");
        var bandIndex = RegulationProfiles.BandIndex(profile, ChildAge.From(device.ChildBirthMonth, time.GetUtcNow().UtcDateTime));
        var band = profile.AgeBands[bandIndex];
        var settings = band.Defaults ?? new PolicySettings();
        var limits = band.Limits ?? new PolicyLimits();
        foreach (var modelId in new[] { string.Empty, device.ModelId }.Distinct())
        {
            var baselineBand = (await layers.GetBaselineAsync(session, device.FleetId, modelId))?.AgeBands.FirstOrDefault(b => b.MinAge == band.MinAge && b.MaxAge == band.MaxAge);
            if (baselineBand is not null)
            {
                settings = SettingsMerger.Merge(settings, baselineBand.Defaults);
                limits = PolicyBounds.Combine(limits, baselineBand.Limits);
            }
        }

        var guardian = guardianOverride ?? (await layers.GetGuardianSettingsAsync(session, device.Id))?.Settings;
        return new ResolvedPolicy(profile, bandIndex, SettingsMerger.Merge(settings, guardian), limits);
    }

    /// <summary>Checks guardian settings against the device's effective limits; returns the violations.</summary>
    public async Task<FieldViolations> ValidateAsync(DeviceRecord device, PolicySettings settings)
    {
        var resolved = await ResolveAsync(device, new PolicySettings());
        var violations = new FieldViolations();
        PolicyBounds.CheckSettings(settings, resolved.Limits, "settings", $"profile {resolved.Profile.Id} and the manufacturer baseline", violations);
        return violations;
    }
}
