namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>A rollout as stored (state is the RolloutState number).</summary>
public sealed record StoredRollout(string FleetId, long Total, long Published, long State, long StartedAt, long? CompletedAt)
{
    // For Dapper (see StateSession).
    private StoredRollout()
        : this(default!, default!, default!, default!, default!, default!)
    {
    }
}

/// <summary>Rollouts of a baseline change to a fleet's devices (the <c>rollouts</c> table).</summary>
public sealed class RolloutStore
{
    public Task InsertAsync(StateSession session, string id, string fleetId, long total, int state, long startedAt) =>
        session.ExecuteAsync(
            "INSERT INTO rollouts (id, fleet_id, total, published, state, started_at) VALUES (@id, @fleetId, @total, 0, @state, @startedAt)",
            new { id, fleetId, total, state = (long)state, startedAt });

    public Task<StoredRollout?> FindAsync(StateSession session, string id) =>
        session.QueryFirstOrDefaultAsync<StoredRollout>("SELECT fleet_id, total, published, state, started_at, completed_at FROM rollouts WHERE id = @id", new { id });

    /// <summary>Progress; completedAt is set once the rollout ends.</summary>
    public Task UpdateAsync(StateSession session, string id, long published, int state, long? completedAt) =>
        session.ExecuteAsync(
            "UPDATE rollouts SET published = @published, state = @state, completed_at = COALESCE(@completedAt, completed_at) WHERE id = @id",
            new { id, published, state = (long)state, completedAt });

    /// <summary>Ends a rollout in the given state, keeping its progress.</summary>
    public Task EndAsync(StateSession session, string id, int state, long completedAt) =>
        session.ExecuteAsync("UPDATE rollouts SET state = @state, completed_at = @completedAt WHERE id = @id", new { id, state = (long)state, completedAt });
}
