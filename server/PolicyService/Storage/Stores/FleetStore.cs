namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>A fleet as its owner lists it.</summary>
public sealed record StoredFleet(string Id, string Name, string ProfileId, long DeviceCount)
{
    // For Dapper (see StateSession).
    private StoredFleet()
        : this(default!, default!, default!, default!)
    {
    }
}

/// <summary>Fleets and their device models (the <c>fleets</c> and <c>models</c> tables).</summary>
public sealed class FleetStore
{
    public Task InsertAsync(StateSession session, string id, string name, string owner, string profileId, DateTimeOffset createdAt) =>
        session.ExecuteAsync(
            "INSERT INTO fleets (id, name, owner, profile_id, created_at) VALUES (@id, @name, @owner, @profileId, @createdAt)",
            new { id, name, owner, profileId, createdAt = createdAt.ToUnixTimeMilliseconds() });

    /// <summary>The owner's fleets with their active device counts, oldest first.</summary>
    public Task<IReadOnlyList<StoredFleet>> ListAsync(StateSession session, string owner) =>
        session.QueryAsync<StoredFleet>(
            """
            SELECT f.id, f.name, f.profile_id,
                   (SELECT COUNT(*) FROM devices d WHERE d.fleet_id = f.id AND d.decommissioned_at IS NULL) AS device_count
            FROM fleets f WHERE f.owner = @owner ORDER BY f.created_at, f.id
            """,
            new { owner });

    /// <summary>The fleet's owner and regulation profile, or null.</summary>
    public async Task<(string Owner, string ProfileId)?> FindAsync(StateSession session, string fleetId) =>
        await session.QueryFirstOrDefaultAsync<OwnerRow>("SELECT owner, profile_id FROM fleets WHERE id = @fleetId", new { fleetId }) is { } row
            ? (row.Owner, row.ProfileId)
            : null;

    public Task<IReadOnlyList<string>> UnderProfileAsync(StateSession session, string profileId) =>
        session.QueryAsync<string>("SELECT id FROM fleets WHERE profile_id = @profileId ORDER BY id", new { profileId });

    public Task InsertModelAsync(StateSession session, string id, string fleetId, string name) =>
        session.ExecuteAsync("INSERT INTO models (id, fleet_id, name) VALUES (@id, @fleetId, @name)", new { id, fleetId, name });

    public async Task<bool> ModelExistsAsync(StateSession session, string fleetId, string modelId) =>
        await session.ScalarAsync<long>("SELECT COUNT(*) FROM models WHERE id = @modelId AND fleet_id = @fleetId", new { fleetId, modelId }) > 0;

    private sealed record OwnerRow(string Owner, string ProfileId)
    {
        // For Dapper (see StateSession).
        private OwnerRow()
            : this(default!, default!)
        {
        }
    }
}
