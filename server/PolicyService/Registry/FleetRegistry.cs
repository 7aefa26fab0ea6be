using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>Fleets and device models. A manufacturer sees and changes only its own fleets.</summary>
public sealed class FleetRegistry(StateDatabase database, FleetStore store, RegulationProfiles profiles, AuditLog audit, AccessDenials denials, TimeProvider time)
{
    /// <summary>The lock name that serialises writes to one fleet's baselines.</summary>
    public static string Lock(string fleetId) => "fleet:" + fleetId;

    public async Task<FleetSummary> CreateAsync(Caller caller, string name, string profileId)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidInputException("name", "is empty");
        }

        if (profiles.Find(profileId) is null)
        {
            throw new InvalidInputException("regulation_profile_id", $"'{profileId}' is not a known profile ({string.Join(", ", profiles.All.Select(p => p.Id))})");
        }

        var fleet = new FleetSummary("fl-" + Guid.NewGuid().ToString("N")[..12], name, profileId, DeviceCount: 0);
        await using var session = await database.WriteAsync();
        await store.InsertAsync(session, fleet.Id, name, caller.Id, profileId, time.GetUtcNow());
        await audit.AppendAsync(session, caller.AuditName, "fleet.create", fleet.Id, afterJson: AuditJson.Of(new { id = fleet.Id, name, regulationProfileId = profileId }));
        await session.CommitAsync();
        return fleet;
    }

    public async Task<IReadOnlyList<FleetSummary>> ListAsync(Caller caller)
    {
        await using var session = await database.ReadAsync();
        return [.. (await store.ListAsync(session, caller.Id)).Select(f => new FleetSummary(f.Id, f.Name, f.ProfileId, (int)f.DeviceCount))];
    }

    /// <summary>
    /// The fleet's profile id, for a call that changes the fleet or reads its secrets: the caller must
    /// hold the manufacturer role and own the fleet, whatever other roles it has.
    /// </summary>
    public Task<string> RequireManagedAsync(Caller caller, string fleetId) => RequireAsync(caller, fleetId, allowAuditor: false);

    /// <summary>
    /// The fleet's profile id, for a read of its aggregates: an auditor may read any fleet, a
    /// manufacturer its own.
    /// </summary>
    public Task<string> RequireVisibleAsync(Caller caller, string fleetId) => RequireAsync(caller, fleetId, allowAuditor: true);

    /// <summary>
    /// The same check for something inside a fleet (a device, a rollout): a foreign or missing one
    /// answers NotFound under its own name, so the error does not reveal the other tenant's fleet id.
    /// </summary>
    public async Task RequireManagedAsync(Caller caller, string? fleetId, string what, string id)
    {
        var owner = fleetId is null ? null : (await FindAsync(fleetId))?.Owner;
        if (owner is not null && caller.Has(Roles.Manufacturer) && owner == caller.Id)
        {
            return;
        }

        await denials.RecordAsync(caller, $"{what}:{id}", owner is null ? $"unknown-{what}" : $"foreign-{what}");
        throw new NotFoundException(what, id);
    }

    /// <summary>The fleet's regulation profile id; NotFound for a fleet that does not exist.</summary>
    public async Task<string> ProfileOfAsync(string fleetId) =>
        (await FindAsync(fleetId))?.ProfileId ?? throw new NotFoundException("fleet", fleetId);

    public async Task<ModelRecord> CreateModelAsync(Caller caller, string fleetId, string name)
    {
        await RequireManagedAsync(caller, fleetId);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidInputException("name", "is empty");
        }

        var model = new ModelRecord("md-" + Guid.NewGuid().ToString("N")[..12], fleetId, name);
        await using var session = await database.WriteAsync();
        await store.InsertModelAsync(session, model.Id, fleetId, name);
        await audit.AppendAsync(session, caller.AuditName, "model.create", model.Id, afterJson: AuditJson.Of(new { id = model.Id, fleetId, name }));
        await session.CommitAsync();
        return model;
    }

    public async Task RequireModelAsync(string fleetId, string modelId)
    {
        await using var session = await database.ReadAsync();
        if (!await store.ModelExistsAsync(session, fleetId, modelId))
        {
            throw new NotFoundException("model", modelId);
        }
    }

    private async Task<string> RequireAsync(Caller caller, string fleetId, bool allowAuditor)
    {
        var fleet = await FindAsync(fleetId);
        if (fleet is { } found && ((allowAuditor && caller.Has(Roles.Auditor)) || (caller.Has(Roles.Manufacturer) && found.Owner == caller.Id)))
        {
            return found.ProfileId;
        }

        // A foreign fleet answers like a missing one: ids of other manufacturers' fleets stay private.
        await denials.RecordAsync(caller, "fleet:" + fleetId, fleet is null ? "unknown-fleet" : "foreign-fleet");
        throw new NotFoundException("fleet", fleetId);
    }

    private async Task<(string Owner, string ProfileId)?> FindAsync(string fleetId)
    {
        await using var session = await database.ReadAsync();
        return await store.FindAsync(session, fleetId);
    }
}
