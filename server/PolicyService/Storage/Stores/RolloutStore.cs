namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>A rollout as stored (state is the RolloutPhase number).</summary>
public sealed record StoredRollout(string Id, string FleetId, string ModelId, long Total, long Published, long Failed, long State, long StartedAt, long? CompletedAt, long BaselineRevision)
{
    // For Dapper (see StateSession).
    private StoredRollout()
        : this(default!, default!, default!, default!, default!, default!, default!, default!, default!, default!)
    {
    }
}

/// <summary>One batch of a rollout: the devices of its fleet and model from first to last id, inclusive.</summary>
public sealed record RolloutBatchRange(string FirstDeviceId, string LastDeviceId);

/// <summary>
/// A batch claimed under a lease: the fencing token is what completing it must present; a replica
/// whose lease expired and was taken over holds an older token and completes nothing.
/// </summary>
public sealed record ClaimedRolloutBatch(string RolloutId, long Batch, string FleetId, string ModelId, string FirstDeviceId, string LastDeviceId, long FencingToken, long Attempts)
{
    // For Dapper (see StateSession).
    private ClaimedRolloutBatch()
        : this(default!, default!, default!, default!, default!, default!, default!, default!)
    {
    }
}

/// <summary>
/// Rollouts of a baseline change to a fleet's devices (the <c>rollouts</c> table) and their batches
/// (<c>rollout_batches</c>), claimed by whichever replica is free: on PostgreSQL with <c>FOR UPDATE SKIP
/// LOCKED</c>, so replicas claiming at once take different batches without waiting on each other; SQLite
/// has one writer at a time already.
/// </summary>
public sealed class RolloutStore
{
    private const string Columns = "id, fleet_id, model_id, total, published, failed, state, started_at, completed_at, baseline_revision";

    public async Task InsertAsync(StateSession session, string id, string fleetId, string modelId, IReadOnlyList<RolloutBatchRange> batches, long total, int state, long startedAt, long baselineRevision = 0)
    {
        await session.ExecuteAsync(
            """
            INSERT INTO rollouts (id, fleet_id, model_id, total, published, failed, batches_left, state, started_at, baseline_revision)
            VALUES (@id, @fleetId, @modelId, @total, 0, 0, @batchesLeft, @state, @startedAt, @baselineRevision)
            """,
            new { id, fleetId, modelId, total, batchesLeft = (long)batches.Count, state = (long)state, startedAt, baselineRevision });
        await session.ExecuteAsync(
            "INSERT INTO rollout_batches (rollout_id, batch, first_device_id, last_device_id, queued_at) VALUES (@id, @Batch, @First, @Last, @startedAt)",
            batches.Select((b, i) => new { id, Batch = (long)i, First = b.FirstDeviceId, Last = b.LastDeviceId, startedAt }));
    }

    public Task<StoredRollout?> FindAsync(StateSession session, string id) =>
        session.QueryFirstOrDefaultAsync<StoredRollout>($"SELECT {Columns} FROM rollouts WHERE id = @id", new { id });

    /// <summary>A fleet's newest rollouts, newest first (through the fleet and start-time index).</summary>
    public async Task<IReadOnlyList<StoredRollout>> RecentAsync(StateSession session, string fleetId, int limit) =>
        [.. await session.QueryAsync<StoredRollout>(
            $"SELECT {Columns} FROM rollouts WHERE fleet_id = @fleetId ORDER BY started_at DESC, baseline_revision DESC, id DESC LIMIT @limit",
            new { fleetId, limit = (long)limit })];

    /// <summary>
    /// Claims the oldest batch that is pending and not leased (or whose lease expired), for
    /// <paramref name="leaseMilliseconds"/>, with a new fencing token; null when there is none. Marks its
    /// rollout in progress.
    /// </summary>
    public async Task<ClaimedRolloutBatch?> ClaimAsync(StateSession session, string owner, long now, long leaseMilliseconds)
    {
        var skipLocked = session.Provider == StateProvider.PostgreSQL ? "FOR UPDATE SKIP LOCKED" : string.Empty;
        var claimed = await session.QueryFirstOrDefaultAsync<ClaimedRolloutBatch>(
            $"""
            UPDATE rollout_batches
            SET lease_owner = @owner, lease_until = @until, fencing_token = fencing_token + 1, attempts = attempts + 1
            WHERE (rollout_id, batch) = (
                SELECT rollout_id, batch FROM rollout_batches
                WHERE done = 0 AND lease_until < @now
                ORDER BY queued_at, rollout_id, batch LIMIT 1 {skipLocked})
            RETURNING rollout_id, batch, '' AS fleet_id, '' AS model_id, first_device_id, last_device_id, fencing_token, attempts
            """,
            new { owner, now, until = now + leaseMilliseconds });
        if (claimed is null)
        {
            return null;
        }

        var rollout = await session.QueryFirstOrDefaultAsync<(string FleetId, string ModelId)>(
            "UPDATE rollouts SET state = @inProgress WHERE id = @id AND state IN (@queued, @inProgress) RETURNING fleet_id, model_id",
            new { id = claimed.RolloutId, queued = (long)Policies.RolloutPhase.Queued, inProgress = (long)Policies.RolloutPhase.InProgress });
        return claimed with { FleetId = rollout.FleetId ?? string.Empty, ModelId = rollout.ModelId ?? string.Empty };
    }

    /// <summary>
    /// Completes a claimed batch and adds its counts to the rollout, which ends (completed, or failed
    /// when any device failed) with its last batch. Does nothing and answers false when the token is
    /// not the batch's current one (the lease was lost to another replica) or the batch is done.
    /// </summary>
    public async Task<bool> CompleteAsync(StateSession session, ClaimedRolloutBatch batch, long published, long failed, long now)
    {
        var completed = await session.ExecuteAsync(
            "UPDATE rollout_batches SET done = 1, lease_owner = NULL WHERE rollout_id = @RolloutId AND batch = @Batch AND fencing_token = @FencingToken AND done = 0",
            batch);
        if (completed == 0)
        {
            return false;
        }

        // Every right-hand side reads the row as it was before this update, on both engines.
        await session.ExecuteAsync(
            """
            UPDATE rollouts SET
                published = published + @published,
                failed = failed + @failed,
                batches_left = batches_left - 1,
                state = CASE WHEN batches_left > 1 THEN @inProgress WHEN failed + @failed = 0 THEN @completedState ELSE @failedState END,
                completed_at = CASE WHEN batches_left > 1 THEN NULL ELSE @now END
            WHERE id = @id
            """,
            new
            {
                id = batch.RolloutId, published, failed, now,
                inProgress = (long)Policies.RolloutPhase.InProgress,
                completedState = (long)Policies.RolloutPhase.Completed,
                failedState = (long)Policies.RolloutPhase.Failed,
            });
        return true;
    }

    /// <summary>Gives a claimed batch back after a failure, to be claimed again (by anyone) from <paramref name="retryAt"/>.</summary>
    public Task ReleaseAsync(StateSession session, ClaimedRolloutBatch batch, long retryAt) =>
        session.ExecuteAsync(
            "UPDATE rollout_batches SET lease_owner = NULL, lease_until = @retryAt WHERE rollout_id = @RolloutId AND batch = @Batch AND fencing_token = @FencingToken AND done = 0",
            new { batch.RolloutId, batch.Batch, batch.FencingToken, retryAt });

    /// <summary>A rollout with no device ends at once.</summary>
    public Task EndEmptyAsync(StateSession session, string id, long now) =>
        session.ExecuteAsync(
            "UPDATE rollouts SET state = @completed, completed_at = @now WHERE id = @id AND batches_left = 0",
            new { id, now, completed = (long)Policies.RolloutPhase.Completed });
}
