namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>Per device, the highest contiguous uplink sequence durably stored (the <c>uplink_watermarks</c> table).</summary>
public sealed class WatermarkStore
{
    public async Task<ulong> GetAsync(StateSession session, string deviceId) =>
        (ulong)(await session.QueryFirstOrDefaultAsync<long?>("SELECT stored_through FROM uplink_watermarks WHERE device_id = @deviceId", new { deviceId }) ?? 0);

    /// <summary>
    /// The watermarks of these devices, their rows locked until the transaction ends (created at 0 where
    /// missing), so replicas committing the same device take turns. Ids in ordinal order, so two
    /// replicas lock in the same order and cannot deadlock.
    /// </summary>
    public async Task<Dictionary<string, ulong>> LockAsync(StateSession session, IReadOnlyList<string> deviceIds)
    {
        var watermarks = new Dictionary<string, ulong>(deviceIds.Count, StringComparer.Ordinal);
        if (session.Provider == StateProvider.Sqlite)
        {
            // One writer at a time already (the write transaction locks the database).
            foreach (var deviceId in deviceIds)
            {
                watermarks[deviceId] = await GetAsync(session, deviceId);
            }

            return watermarks;
        }

        var ids = deviceIds.ToArray();
        await session.ExecuteAsync("INSERT INTO uplink_watermarks (device_id, stored_through) SELECT unnest(@ids), 0 ON CONFLICT (device_id) DO NOTHING", new { ids });
        foreach (var row in await session.QueryAsync<WatermarkRow>(
            "SELECT device_id, stored_through FROM uplink_watermarks WHERE device_id = ANY(@ids) ORDER BY device_id FOR UPDATE", new { ids }))
        {
            watermarks[row.DeviceId] = (ulong)row.StoredThrough;
        }

        return watermarks;
    }

    /// <summary>Rows per statement on PostgreSQL (2 parameters each).</summary>
    private const int RowsPerStatement = 1000;

    /// <summary>Moves the watermark up, never down (two writers of one device cannot lower it).</summary>
    public Task AdvanceAsync(StateSession session, string deviceId, ulong storedThrough) =>
        session.ExecuteAsync(Upsert("(@deviceId, @storedThrough)"), new { deviceId, storedThrough = (long)storedThrough });

    /// <summary>
    /// Moves many devices' watermarks up with the same guard (a batch's worth): on PostgreSQL many rows
    /// per statement, on SQLite row by row on one prepared command (no round trip to save in-process).
    /// </summary>
    public async Task AdvanceAsync(StateSession session, IReadOnlyCollection<KeyValuePair<string, ulong>> watermarks)
    {
        if (session.Provider == StateProvider.Sqlite)
        {
            await session.ExecuteAsync(Upsert("(@Key, @Through)"), watermarks.Select(w => new { w.Key, Through = (long)w.Value }));
            return;
        }

        foreach (var chunk in watermarks.Chunk(RowsPerStatement))
        {
            var parameters = new Dapper.DynamicParameters();
            var rows = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                rows.Add($"(@d{i}, @t{i})");
                parameters.Add("d" + i, chunk[i].Key);
                parameters.Add("t" + i, (long)chunk[i].Value);
            }

            await session.ExecuteAsync(Upsert(string.Join(", ", rows)), parameters);
        }
    }

    /// <summary>Unix seconds before which the device's usage is all stored; 0 when not known.</summary>
    public async Task<long> UsageCompleteThroughAsync(StateSession session, string deviceId) =>
        await session.QueryFirstOrDefaultAsync<long?>("SELECT usage_complete_through FROM uplink_watermarks WHERE device_id = @deviceId", new { deviceId }) ?? 0;

    /// <summary>Raises devices' usage-complete times, never lowers them (heartbeats of one device may be committed out of order).</summary>
    public Task RaiseUsageCompleteAsync(StateSession session, IReadOnlyCollection<KeyValuePair<string, long>> completeThrough) =>
        completeThrough.Count == 0
            ? Task.CompletedTask
            : session.ExecuteAsync(
                """
                INSERT INTO uplink_watermarks (device_id, stored_through, usage_complete_through) VALUES (@Key, 0, @Value)
                ON CONFLICT (device_id) DO UPDATE SET usage_complete_through =
                    CASE WHEN uplink_watermarks.usage_complete_through > excluded.usage_complete_through THEN uplink_watermarks.usage_complete_through ELSE excluded.usage_complete_through END
                """,
                completeThrough.Select(c => new { c.Key, c.Value }));

    private static string Upsert(string values) =>
        $"""
        INSERT INTO uplink_watermarks (device_id, stored_through) VALUES {values}
        ON CONFLICT (device_id) DO UPDATE SET stored_through =
            CASE WHEN uplink_watermarks.stored_through > excluded.stored_through THEN uplink_watermarks.stored_through ELSE excluded.stored_through END
        """;

    private sealed record WatermarkRow(string DeviceId, long StoredThrough)
    {
        // For Dapper (see StateSession).
        private WatermarkRow()
            : this(default!, default)
        {
        }
    }
}
