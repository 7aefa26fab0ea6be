using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Api;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// The two editable layers: manufacturer baselines (per fleet, and per model on top of the fleet's)
/// and guardian settings (per device). Every change is validated against the layers above it,
/// stored with a new revision and audited with its before and after.
/// </summary>
public sealed class LayerStore(Database database, RegulationProfiles profiles, AuditLog audit, TimeProvider time)
{
    public Baseline? GetBaseline(string fleetId, string modelId)
    {
        using var connection = database.Open();
        return ReadBaseline(connection, null, fleetId, modelId);
    }

    private static Baseline? ReadBaseline(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction? transaction, string fleetId, string modelId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT body FROM baselines WHERE fleet_id = $f AND model_id = $m";
        command.Parameters.AddWithValue("$f", fleetId);
        command.Parameters.AddWithValue("$m", modelId);
        return command.ExecuteScalar() is byte[] body ? Baseline.Parser.ParseFrom(body) : null;
    }

    public Baseline SetBaseline(Caller caller, string fleetId, string modelId, string profileId, IEnumerable<AgeBandPolicy> bands)
    {
        var profile = profiles.Find(profileId) ?? throw ApiErrors.FailedPrecondition($"fleet profile '{profileId}' is unknown");
        var fleetBaseline = modelId.Length == 0 ? null : GetBaseline(fleetId, string.Empty);
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
            throw ApiErrors.Invalid(violations.Items);
        }

        // The revision is read inside the write transaction: two concurrent changes get two revisions.
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var before = ReadBaseline(connection, transaction, fleetId, modelId);
        var baseline = new Baseline
        {
            FleetId = fleetId,
            ModelId = modelId,
            Revision = (before?.Revision ?? 0) + 1,
            UpdatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        baseline.AgeBands.AddRange(requested);
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = "INSERT OR REPLACE INTO baselines (fleet_id, model_id, revision, body, updated_at) VALUES ($f, $m, $r, $b, $at)";
        upsert.Parameters.AddWithValue("$f", fleetId);
        upsert.Parameters.AddWithValue("$m", modelId);
        upsert.Parameters.AddWithValue("$r", (long)baseline.Revision);
        upsert.Parameters.AddWithValue("$b", baseline.ToByteArray());
        upsert.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        upsert.ExecuteNonQuery();
        audit.Append(connection, transaction, caller.AuditName, "baseline.set", modelId.Length == 0 ? fleetId : $"{fleetId}/{modelId}",
            before is null ? string.Empty : JsonFormatter.Default.Format(before), JsonFormatter.Default.Format(baseline));
        transaction.Commit();
        return baseline;
    }

    public GuardianSettings? GetGuardianSettings(string deviceId)
    {
        using var connection = database.Open();
        return ReadGuardianSettings(connection, null, deviceId);
    }

    private static GuardianSettings? ReadGuardianSettings(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction? transaction, string deviceId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT revision, body, updated_by, updated_at FROM guardian_settings WHERE device_id = $d";
        command.Parameters.AddWithValue("$d", deviceId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new GuardianSettings
        {
            DeviceId = deviceId,
            Revision = (ulong)reader.GetInt64(0),
            Settings = PolicySettings.Parser.ParseFrom((byte[])reader[1]),
            UpdatedBy = reader.GetString(2),
            UpdatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))),
        };
    }

    /// <summary>Stores guardian settings already validated by the caller against the effective limits.</summary>
    public GuardianSettings SetGuardianSettings(Caller caller, string deviceId, PolicySettings settings, ulong expectedRevision)
    {
        // Checked inside the write transaction (SQLite's write lock): of two changes expecting the same
        // revision, the second sees the first's and is refused.
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var before = ReadGuardianSettings(connection, transaction, deviceId);
        if (expectedRevision != 0 && expectedRevision != (before?.Revision ?? 0))
        {
            throw ApiErrors.Aborted($"settings changed meanwhile: revision is {before?.Revision ?? 0}, not {expectedRevision}; read them again");
        }

        var after = new GuardianSettings
        {
            DeviceId = deviceId,
            Revision = (before?.Revision ?? 0) + 1,
            Settings = settings,
            UpdatedBy = caller.Id,
            UpdatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = "INSERT OR REPLACE INTO guardian_settings (device_id, revision, body, updated_by, updated_at) VALUES ($d, $r, $b, $u, $at)";
        upsert.Parameters.AddWithValue("$d", deviceId);
        upsert.Parameters.AddWithValue("$r", (long)after.Revision);
        upsert.Parameters.AddWithValue("$b", settings.ToByteArray());
        upsert.Parameters.AddWithValue("$u", caller.Id);
        upsert.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        upsert.ExecuteNonQuery();
        audit.Append(connection, transaction, caller.AuditName, "guardian-settings.set", deviceId,
            before is null ? string.Empty : JsonFormatter.Default.Format(before.Settings), JsonFormatter.Default.Format(settings));
        transaction.Commit();
        return after;
    }
}
