namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>A stored layer body with its revision and who wrote it when.</summary>
public sealed record StoredLayer(long Revision, byte[] Body, string UpdatedBy, long UpdatedAt)
{
    // For Dapper (see StateSession).
    private StoredLayer()
        : this(default!, default!, default!, default!)
    {
    }
}

/// <summary>
/// The editable policy layers as stored: manufacturer baselines per fleet and model, guardian
/// settings per device (the <c>baselines</c> and <c>guardian_settings</c> tables; bodies are protobuf).
/// </summary>
public sealed class LayerStore
{
    public Task<byte[]?> BaselineAsync(StateSession session, string fleetId, string modelId) =>
        session.QueryFirstOrDefaultAsync<byte[]>("SELECT body FROM baselines WHERE fleet_id = @fleetId AND model_id = @modelId", new { fleetId, modelId });

    public Task UpsertBaselineAsync(StateSession session, string fleetId, string modelId, ulong revision, byte[] body, DateTimeOffset at) =>
        session.ExecuteAsync(
            """
            INSERT INTO baselines (fleet_id, model_id, revision, body, updated_at) VALUES (@fleetId, @modelId, @revision, @body, @at)
            ON CONFLICT (fleet_id, model_id) DO UPDATE SET revision = excluded.revision, body = excluded.body, updated_at = excluded.updated_at
            """,
            new { fleetId, modelId, revision = (long)revision, body, at = at.ToUnixTimeMilliseconds() });

    public Task<StoredLayer?> GuardianSettingsAsync(StateSession session, string deviceId) =>
        session.QueryFirstOrDefaultAsync<StoredLayer>("SELECT revision, body, updated_by, updated_at FROM guardian_settings WHERE device_id = @deviceId", new { deviceId });

    public Task UpsertGuardianSettingsAsync(StateSession session, string deviceId, ulong revision, byte[] body, string updatedBy, DateTimeOffset at) =>
        session.ExecuteAsync(
            """
            INSERT INTO guardian_settings (device_id, revision, body, updated_by, updated_at) VALUES (@deviceId, @revision, @body, @updatedBy, @at)
            ON CONFLICT (device_id) DO UPDATE SET revision = excluded.revision, body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """,
            new { deviceId, revision = (long)revision, body, updatedBy, at = at.ToUnixTimeMilliseconds() });

    public Task DeleteGuardianSettingsAsync(StateSession session, string deviceId) =>
        session.ExecuteAsync("DELETE FROM guardian_settings WHERE device_id = @deviceId", new { deviceId });
}
