using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// The two editable layers: manufacturer baselines (per fleet, and per model on top of the fleet's)
/// and guardian settings (per device). Every change is validated against the layers above it,
/// stored with a new revision and audited with its before and after.
/// </summary>
public sealed class PolicyLayers(StateDatabase database, LayerStore store, RegulationProfiles profiles, AuditLog audit, TimeProvider time)
{
    public async Task<Baseline?> GetBaselineAsync(string fleetId, string modelId)
    {
        await using var session = await database.ReadAsync();
        return await GetBaselineAsync(session, fleetId, modelId);
    }

    public async Task<Baseline?> GetBaselineAsync(StateSession session, string fleetId, string modelId) =>
        await store.BaselineAsync(session, fleetId, modelId) is { } body ? Baseline.Parser.ParseFrom(body) : null;

    /// <summary>
    /// Stores a baseline after checking it against the profile (and, for a model, the fleet's baseline).
    /// With <paramref name="expectedRevision"/> the change is refused when another one was stored since
    /// (0: none stored yet), so two editors starting from the same baseline cannot overwrite each other.
    /// </summary>
    public async Task<Baseline> SetBaselineAsync(Caller caller, string fleetId, string modelId, string profileId, IEnumerable<AgeBandPolicy> bands, ulong? expectedRevision = null)
    {
        var profile = profiles.Find(profileId) ?? throw new PreconditionFailedException($"fleet profile '{profileId}' is unknown");
        var fleetBaseline = modelId.Length == 0 ? null : await GetBaselineAsync(fleetId, string.Empty);
        var requested = bands.ToList();
        var violations = new FieldViolations();
        for (var i = 0; i < requested.Count; i++)
        {
            var band = requested[i];
            var profileBand = profile.AgeBands.FirstOrDefault(b => b.MinAge == band.MinAge && b.MaxAge == band.MaxAge);
            if (profileBand is null)
            {
                violations.Add($"age_bands[{i}]", $"{band.MinAge}-{band.MaxAge} is not a band of profile {profile.Id} ({string.Join(", ", profile.AgeBands.Select(b => $"{b.MinAge}-{b.MaxAge}"))})");
                continue;
            }

            var bound = $"profile {profile.Id}";
            var limits = profileBand.Limits ?? new PolicyLimits();
            PolicyBounds.CheckStricter(limits, band.Limits ?? new PolicyLimits(), $"age_bands[{i}].limits", bound, violations);
            var fleetBand = fleetBaseline?.AgeBands.FirstOrDefault(b => b.MinAge == band.MinAge && b.MaxAge == band.MaxAge);
            if (fleetBand?.Limits is not null)
            {
                PolicyBounds.CheckStricter(fleetBand.Limits, band.Limits ?? new PolicyLimits(), $"age_bands[{i}].limits", "the fleet baseline", violations);
                limits = PolicyBounds.Combine(limits, fleetBand.Limits);
                bound += " and the fleet baseline";
            }

            PolicyBounds.CheckSettings(band.Defaults ?? new PolicySettings(), PolicyBounds.Combine(limits, band.Limits), $"age_bands[{i}].defaults", bound, violations);
        }

        if (violations.Any)
        {
            throw new InvalidInputException(violations.Items);
        }

        // The revision is read under the fleet's lock: two concurrent changes get two revisions.
        await using var session = await database.WriteAsync();
        await session.LockAsync(FleetRegistry.Lock(fleetId));
        var before = await GetBaselineAsync(session, fleetId, modelId);
        if (expectedRevision is { } expected && expected != (before?.Revision ?? 0))
        {
            throw new ConflictException($"the baseline changed meanwhile: revision is {before?.Revision ?? 0}, not {expected}; read it again");
        }

        var baseline = new Baseline
        {
            FleetId = fleetId,
            ModelId = modelId,
            Revision = (before?.Revision ?? 0) + 1,
            UpdatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        baseline.AgeBands.AddRange(requested);
        await store.UpsertBaselineAsync(session, fleetId, modelId, baseline.Revision, baseline.ToByteArray(), time.GetUtcNow());
        await audit.AppendAsync(session, caller.AuditName, "baseline.set", modelId.Length == 0 ? fleetId : $"{fleetId}/{modelId}",
            before is null ? string.Empty : JsonFormatter.Default.Format(before), JsonFormatter.Default.Format(baseline));
        await session.CommitAsync();
        return baseline;
    }

    public async Task<GuardianSettings?> GetGuardianSettingsAsync(string deviceId)
    {
        await using var session = await database.ReadAsync();
        return await GetGuardianSettingsAsync(session, deviceId);
    }

    public async Task<GuardianSettings?> GetGuardianSettingsAsync(StateSession session, string deviceId) =>
        await store.GuardianSettingsAsync(session, deviceId) is { } stored
            ? new GuardianSettings
            {
                DeviceId = deviceId,
                Revision = (ulong)stored.Revision,
                Settings = PolicySettings.Parser.ParseFrom(stored.Body),
                UpdatedBy = stored.UpdatedBy,
                UpdatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(stored.UpdatedAt)),
            }
            : null;

    /// <summary>Stores guardian settings already validated by the caller against the effective limits.</summary>
    public async Task<GuardianSettings> SetGuardianSettingsAsync(Caller caller, string deviceId, PolicySettings settings, ulong? expectedRevision)
    {
        // Checked under the device's lock: of two changes expecting the same revision, the second sees
        // the first's and is refused, in one replica or several.
        await using var session = await database.WriteAsync();
        await session.LockAsync(DeviceRegistry.Lock(deviceId));
        var before = await GetGuardianSettingsAsync(session, deviceId);
        if (expectedRevision is { } expected && expected != (before?.Revision ?? 0))
        {
            throw new ConflictException($"settings changed meanwhile: revision is {before?.Revision ?? 0}, not {expectedRevision}; read them again");
        }

        var after = new GuardianSettings
        {
            DeviceId = deviceId,
            Revision = (before?.Revision ?? 0) + 1,
            Settings = settings,
            UpdatedBy = caller.Id,
            UpdatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        await store.UpsertGuardianSettingsAsync(session, deviceId, after.Revision, settings.ToByteArray(), caller.Id, time.GetUtcNow());
        await audit.AppendAsync(session, caller.AuditName, "guardian-settings.set", deviceId,
            before is null ? string.Empty : JsonFormatter.Default.Format(before.Settings), JsonFormatter.Default.Format(settings));
        await session.CommitAsync();
        return after;
    }
}
