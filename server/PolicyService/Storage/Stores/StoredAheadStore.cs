namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>
/// Uplink sequences stored in InfluxDB above a gap in their device's sequence (the
/// <c>uplink_stored_ahead</c> table): acknowledged once the gap closes, by whichever replica closes it,
/// and only then is a heartbeat's usage-complete claim recorded, so the claim waits with its sequence.
/// </summary>
public sealed class StoredAheadStore
{
    public async Task AddAsync(StateSession session, IReadOnlyCollection<StoredSequence> stored)
    {
        if (stored.Count == 0)
        {
            return;
        }

        if (session.Provider == StateProvider.Sqlite)
        {
            await session.ExecuteAsync(
                "INSERT INTO uplink_stored_ahead (device_id, sequence, usage_complete_through) VALUES (@DeviceId, @Sequence, @UsageCompleteThrough) ON CONFLICT DO NOTHING",
                stored.Select(s => new { s.DeviceId, Sequence = (long)s.Sequence, s.UsageCompleteThrough }));
            return;
        }

        await session.ExecuteAsync(
            "INSERT INTO uplink_stored_ahead (device_id, sequence, usage_complete_through) SELECT * FROM unnest(@devices, @sequences, @claims) ON CONFLICT DO NOTHING",
            new
            {
                devices = stored.Select(s => s.DeviceId).ToArray(),
                sequences = stored.Select(s => (long)s.Sequence).ToArray(),
                claims = stored.Select(s => s.UsageCompleteThrough).ToArray(),
            });
    }

    /// <summary>The stored-ahead sequences of these devices.</summary>
    public async Task<ILookup<string, StoredSequence>> OfAsync(StateSession session, IReadOnlyList<string> deviceIds)
    {
        IEnumerable<AheadRow> rows;
        if (session.Provider == StateProvider.Sqlite)
        {
            var all = new List<AheadRow>();
            foreach (var deviceId in deviceIds)
            {
                all.AddRange(await session.QueryAsync<AheadRow>("SELECT device_id, sequence, usage_complete_through FROM uplink_stored_ahead WHERE device_id = @deviceId", new { deviceId }));
            }

            rows = all;
        }
        else
        {
            rows = await session.QueryAsync<AheadRow>("SELECT device_id, sequence, usage_complete_through FROM uplink_stored_ahead WHERE device_id = ANY(@ids)", new { ids = deviceIds.ToArray() });
        }

        return rows.ToLookup(r => r.DeviceId, r => new StoredSequence(r.DeviceId, (ulong)r.Sequence, r.UsageCompleteThrough), StringComparer.Ordinal);
    }

    /// <summary>Forgets what the new watermarks cover.</summary>
    public async Task DeleteThroughAsync(StateSession session, IReadOnlyDictionary<string, ulong> watermarks)
    {
        if (watermarks.Count == 0)
        {
            return;
        }

        if (session.Provider == StateProvider.Sqlite)
        {
            await session.ExecuteAsync(
                "DELETE FROM uplink_stored_ahead WHERE device_id = @Key AND sequence <= @Through",
                watermarks.Select(w => new { w.Key, Through = (long)w.Value }));
            return;
        }

        await session.ExecuteAsync(
            "DELETE FROM uplink_stored_ahead a USING unnest(@devices, @throughs) AS w(device_id, through) WHERE a.device_id = w.device_id AND a.sequence <= w.through",
            new { devices = watermarks.Keys.ToArray(), throughs = watermarks.Values.Select(v => (long)v).ToArray() });
    }

    private sealed record AheadRow(string DeviceId, long Sequence, long UsageCompleteThrough)
    {
        // For Dapper (see StateSession).
        private AheadRow()
            : this(default!, default, default)
        {
        }
    }
}
