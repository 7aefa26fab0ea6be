using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Api;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>Fleets and device models. A manufacturer sees and changes only its own fleets.</summary>
public sealed class FleetRegistry(Database database, RegulationProfiles profiles, AuditLog audit, AccessDenials denials, TimeProvider time)
{
    public Fleet Create(Caller caller, string name, string profileId)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw ApiErrors.Invalid("name", "is empty");
        }

        if (profiles.Find(profileId) is null)
        {
            throw ApiErrors.Invalid("regulation_profile_id", $"'{profileId}' is not a known profile ({string.Join(", ", profiles.All.Select(p => p.Id))})");
        }

        var fleet = new Fleet { Id = "fl-" + Guid.NewGuid().ToString("N")[..12], Name = name, RegulationProfileId = profileId };
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO fleets (id, name, owner, profile_id, created_at) VALUES ($id, $name, $owner, $profile, $at)";
        insert.Parameters.AddWithValue("$id", fleet.Id);
        insert.Parameters.AddWithValue("$name", name);
        insert.Parameters.AddWithValue("$owner", caller.Id);
        insert.Parameters.AddWithValue("$profile", profileId);
        insert.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        insert.ExecuteNonQuery();
        audit.Append(connection, transaction, caller.AuditName, "fleet.create", fleet.Id, afterJson: Google.Protobuf.JsonFormatter.Default.Format(fleet));
        transaction.Commit();
        return fleet;
    }

    public IReadOnlyList<Fleet> List(Caller caller)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT f.id, f.name, f.profile_id, (SELECT COUNT(*) FROM devices d WHERE d.fleet_id = f.id AND d.decommissioned_at IS NULL) FROM fleets f WHERE f.owner = $owner ORDER BY f.created_at";
        command.Parameters.AddWithValue("$owner", caller.Id);
        using var reader = command.ExecuteReader();
        var fleets = new List<Fleet>();
        while (reader.Read())
        {
            fleets.Add(new Fleet { Id = reader.GetString(0), Name = reader.GetString(1), RegulationProfileId = reader.GetString(2), DeviceCount = (uint)reader.GetInt64(3) });
        }

        return fleets;
    }

    /// <summary>
    /// The fleet's profile id, for a call that changes the fleet or reads its secrets: the caller must
    /// hold the manufacturer role and own the fleet, whatever other roles it has.
    /// </summary>
    public string RequireManaged(Caller caller, string fleetId) => Require(caller, fleetId, allowAuditor: false);

    /// <summary>
    /// The fleet's profile id, for a read of its aggregates: an auditor may read any fleet, a
    /// manufacturer its own.
    /// </summary>
    public string RequireVisible(Caller caller, string fleetId) => Require(caller, fleetId, allowAuditor: true);

    /// <summary>
    /// The same check for something inside a fleet (a device, a rollout): a foreign or missing one
    /// answers NotFound under its own name, so the error does not reveal the other tenant's fleet id.
    /// </summary>
    public void RequireManaged(Caller caller, string? fleetId, string what, string id)
    {
        var (owner, _) = fleetId is null ? (null, null) : Find(fleetId);
        if (owner is not null && caller.Has(Roles.Manufacturer) && owner == caller.Id)
        {
            return;
        }

        denials.Record(caller, $"{what}:{id}", owner is null ? $"unknown-{what}" : $"foreign-{what}");
        throw ApiErrors.NotFound(what, id);
    }

    private string Require(Caller caller, string fleetId, bool allowAuditor)
    {
        var (owner, profileId) = Find(fleetId);
        if (owner is not null && allowAuditor && caller.Has(Roles.Auditor))
        {
            return profileId!;
        }

        if (owner is not null && caller.Has(Roles.Manufacturer) && owner == caller.Id)
        {
            return profileId!;
        }

        // A foreign fleet answers like a missing one: ids of other manufacturers' fleets stay private.
        denials.Record(caller, "fleet:" + fleetId, owner is null ? "unknown-fleet" : "foreign-fleet");
        throw ApiErrors.NotFound("fleet", fleetId);
    }

    private (string? Owner, string? ProfileId) Find(string fleetId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT owner, profile_id FROM fleets WHERE id = $id";
        command.Parameters.AddWithValue("$id", fleetId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetString(1)) : (null, null);
    }

    public DeviceModel CreateModel(Caller caller, string fleetId, string name)
    {
        RequireManaged(caller, fleetId);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw ApiErrors.Invalid("name", "is empty");
        }

        var model = new DeviceModel { Id = "md-" + Guid.NewGuid().ToString("N")[..12], FleetId = fleetId, Name = name };
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO models (id, fleet_id, name) VALUES ($id, $fleet, $name)";
        insert.Parameters.AddWithValue("$id", model.Id);
        insert.Parameters.AddWithValue("$fleet", fleetId);
        insert.Parameters.AddWithValue("$name", name);
        insert.ExecuteNonQuery();
        audit.Append(connection, transaction, caller.AuditName, "model.create", model.Id, afterJson: Google.Protobuf.JsonFormatter.Default.Format(model));
        transaction.Commit();
        return model;
    }

    public void RequireModel(string fleetId, string modelId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM models WHERE id = $id AND fleet_id = $fleet";
        command.Parameters.AddWithValue("$id", modelId);
        command.Parameters.AddWithValue("$fleet", fleetId);
        if (command.ExecuteScalar() is null)
        {
            throw ApiErrors.NotFound("model", modelId);
        }
    }
}
