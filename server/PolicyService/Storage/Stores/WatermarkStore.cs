namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>Per device, the highest contiguous uplink sequence durably stored (the <c>uplink_watermarks</c> table).</summary>
public sealed class WatermarkStore
{
    public async Task<ulong> GetAsync(StateSession session, string deviceId) =>
        (ulong)(await session.QueryFirstOrDefaultAsync<long?>("SELECT stored_through FROM uplink_watermarks WHERE device_id = @deviceId", new { deviceId }) ?? 0);

    /// <summary>Moves the watermark up, never down (two writers of one device cannot lower it).</summary>
    public Task AdvanceAsync(StateSession session, string deviceId, ulong storedThrough) =>
        session.ExecuteAsync(
            """
            INSERT INTO uplink_watermarks (device_id, stored_through) VALUES (@deviceId, @storedThrough)
            ON CONFLICT (device_id) DO UPDATE SET stored_through =
                CASE WHEN uplink_watermarks.stored_through > excluded.stored_through THEN uplink_watermarks.stored_through ELSE excluded.stored_through END
            """,
            new { deviceId, storedThrough = (long)storedThrough });
}
