using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Api;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Resolves regulation profile -> fleet baseline -> model baseline -> guardian settings into the
/// effective settings and hard limits of one device (design brief section 3).
/// </summary>
public sealed class PolicyResolver(Database database, RegulationProfiles profiles, LayerStore layers, TimeProvider time)
{
    public ResolvedPolicy Resolve(DeviceRecord device, PolicySettings? guardianOverride = null)
    {
        var profileId = FleetProfile(device.FleetId);
        var profile = profiles.Find(profileId) ?? throw ApiErrors.FailedPrecondition($"profile '{profileId}' is unknown");
        var bandIndex = RegulationProfiles.BandIndex(profile, ChildAge.From(device.ChildBirthMonth, time.GetUtcNow().UtcDateTime));
        var band = profile.AgeBands[bandIndex];
        var settings = band.Defaults ?? new PolicySettings();
        var limits = band.Limits ?? new PolicyLimits();
        foreach (var modelId in new[] { string.Empty, device.ModelId }.Distinct())
        {
            var baselineBand = layers.GetBaseline(device.FleetId, modelId)?.AgeBands.FirstOrDefault(b => b.MinAge == band.MinAge && b.MaxAge == band.MaxAge);
            if (baselineBand is not null)
            {
                settings = SettingsMerger.Merge(settings, baselineBand.Defaults);
                limits = PolicyBounds.Combine(limits, baselineBand.Limits);
            }
        }

        var guardian = guardianOverride ?? layers.GetGuardianSettings(device.Id)?.Settings;
        return new ResolvedPolicy(profile, bandIndex, SettingsMerger.Merge(settings, guardian), limits);
    }

    /// <summary>Checks guardian settings against the device's effective limits; returns the violations.</summary>
    public FieldViolations Validate(DeviceRecord device, PolicySettings settings)
    {
        var resolved = Resolve(device, new PolicySettings());
        var violations = new FieldViolations();
        PolicyBounds.CheckSettings(settings, resolved.Limits, "settings", $"profile {resolved.Profile.Id} and the manufacturer baseline", violations);
        return violations;
    }

    private string FleetProfile(string fleetId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT profile_id FROM fleets WHERE id = $id";
        command.Parameters.AddWithValue("$id", fleetId);
        return command.ExecuteScalar() as string ?? throw ApiErrors.NotFound("fleet", fleetId);
    }
}
