namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>What a device has in quarantine: whether these bytes are among it, how many entries and bytes.</summary>
public sealed record QuarantineUse(bool AlreadyKept, long Entries, long Bytes);

/// <summary>A quarantined uplink as kept.</summary>
public sealed record QuarantinedUplink(long Sequence, string Reason, long ReceivedAt, byte[] Payload)
{
    // For Dapper (see StateSession).
    private QuarantinedUplink()
        : this(default!, default!, default!, default!)
    {
    }
}

/// <summary>
/// Uplinks kept byte for byte with the reason they were refused, and per device a count of those that
/// no longer fitted (the <c>quarantined_uplinks</c> and <c>quarantine_overflow</c> tables).
/// </summary>
public sealed class QuarantineStore
{
    public async Task<QuarantineUse> UseAsync(StateSession session, string deviceId, string payloadSha256)
    {
        var row = await session.QueryFirstOrDefaultAsync<UseRow>(
            """
            SELECT (SELECT COUNT(*) FROM quarantined_uplinks WHERE device_id = @deviceId AND payload_sha256 = @payloadSha256) AS kept,
                   COUNT(*) AS entries, COALESCE(SUM(length(payload)), 0) AS bytes
            FROM quarantined_uplinks WHERE device_id = @deviceId
            """,
            new { deviceId, payloadSha256 });
        return new QuarantineUse(row!.Kept > 0, row.Entries, row.Bytes);
    }

    public Task KeepAsync(StateSession session, string deviceId, string payloadSha256, ulong sequence, string reason, long receivedAt, byte[] payload) =>
        session.ExecuteAsync(
            """
            INSERT INTO quarantined_uplinks (device_id, payload_sha256, sequence, reason, received_at, payload)
            VALUES (@deviceId, @payloadSha256, @sequence, @reason, @receivedAt, @payload)
            """,
            new { deviceId, payloadSha256, sequence = (long)sequence, reason, receivedAt, payload });

    /// <summary>Counts an uplink that did not fit the device's quarantine.</summary>
    public Task CountOverflowAsync(StateSession session, string deviceId, int bytes, string reason, long at) =>
        session.ExecuteAsync(
            """
            INSERT INTO quarantine_overflow (device_id, dropped, dropped_bytes, last_at, last_reason) VALUES (@deviceId, 1, @bytes, @at, @reason)
            ON CONFLICT (device_id) DO UPDATE SET dropped = quarantine_overflow.dropped + 1,
                   dropped_bytes = quarantine_overflow.dropped_bytes + excluded.dropped_bytes, last_at = excluded.last_at, last_reason = excluded.last_reason
            """,
            new { deviceId, bytes = (long)bytes, at, reason });

    /// <summary>The device's kept uplinks in the order they came (for investigation and tests).</summary>
    public Task<IReadOnlyList<QuarantinedUplink>> OfDeviceAsync(StateSession session, string deviceId) =>
        session.QueryAsync<QuarantinedUplink>(
            "SELECT sequence, reason, received_at, payload FROM quarantined_uplinks WHERE device_id = @deviceId ORDER BY received_at, sequence", new { deviceId });

    /// <summary>Forgets everything kept of a device (its data is erased at decommissioning).</summary>
    public async Task ForgetAsync(StateSession session, string deviceId)
    {
        await session.ExecuteAsync("DELETE FROM quarantined_uplinks WHERE device_id = @deviceId", new { deviceId });
        await session.ExecuteAsync("DELETE FROM quarantine_overflow WHERE device_id = @deviceId", new { deviceId });
    }

    private sealed record UseRow(long Kept, long Entries, long Bytes)
    {
        // For Dapper (see StateSession).
        private UseRow()
            : this(default!, default!, default!)
        {
        }
    }
}
