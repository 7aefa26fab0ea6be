namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>One guardian of a device.</summary>
public sealed record StoredGuardian(string GuardianId, bool Owner, long PairedAt);

/// <summary>A device as one of its guardians sees it.</summary>
public sealed record GuardedDevice(string DeviceId, string ChildName, bool Owner, long ReportedVersion, long? ReportedAt);

/// <summary>
/// Guardians, pairing codes (stored as hashes only) and pairing attempts (the <c>guardians</c>,
/// <c>pairing_codes</c> and <c>pairing_attempts</c> tables).
/// </summary>
public sealed class PairingStore
{
    /// <summary>Code kinds as stored.</summary>
    public const int GuardianCode = 0;
    public const int BoxCode = 1;

    /// <summary>No expiry (a box code lasts until the unit's first pairing).</summary>
    public const long Never = long.MaxValue;

    public Task InsertCodeAsync(StateSession session, byte[] codeHash, string deviceId, long expiresAt, int kind) =>
        session.ExecuteAsync(
            "INSERT INTO pairing_codes (code_hash, device_id, expires_at, kind) VALUES (@codeHash, @deviceId, @expiresAt, @kind)",
            new { codeHash, deviceId, expiresAt, kind = (long)kind });

    /// <summary>The device of an unused, unexpired code, or null.</summary>
    public Task<string?> DeviceOfCodeAsync(StateSession session, byte[] codeHash, long now) =>
        session.QueryFirstOrDefaultAsync<string>(
            "SELECT device_id FROM pairing_codes WHERE code_hash = @codeHash AND used_at IS NULL AND expires_at > @now", new { codeHash, now });

    public Task UseCodeAsync(StateSession session, byte[] codeHash, long now) =>
        session.ExecuteAsync("UPDATE pairing_codes SET used_at = @now WHERE code_hash = @codeHash", new { codeHash, now });

    /// <summary>Voids the device's unused codes: of one kind, or every kind when kind is null.</summary>
    public Task VoidCodesAsync(StateSession session, string deviceId, long now, int? kind) =>
        session.ExecuteAsync(
            "UPDATE pairing_codes SET used_at = @now WHERE device_id = @deviceId AND used_at IS NULL AND (@kind < 0 OR kind = @kind)",
            new { deviceId, now, kind = (long)(kind ?? -1) });

    /// <summary>When the device's codes of a kind expire (for tests and support).</summary>
    public Task<IReadOnlyList<long>> CodeExpiriesAsync(StateSession session, string deviceId, int kind) =>
        session.QueryAsync<long>("SELECT expires_at FROM pairing_codes WHERE device_id = @deviceId AND kind = @kind", new { deviceId, kind = (long)kind });

    public Task RecordAttemptAsync(StateSession session, string guardianId, long at) =>
        session.ExecuteAsync("INSERT INTO pairing_attempts (guardian_id, at) VALUES (@guardianId, @at)", new { guardianId, at });

    public Task<long> AttemptsSinceAsync(StateSession session, string guardianId, long since) =>
        session.ScalarAsync<long>("SELECT COUNT(*) FROM pairing_attempts WHERE guardian_id = @guardianId AND at > @since", new { guardianId, since });

    public Task AddGuardianAsync(StateSession session, string deviceId, string guardianId, bool owner, string childName, long pairedAt) =>
        session.ExecuteAsync(
            "INSERT INTO guardians (device_id, guardian_id, owner, child_name, paired_at) VALUES (@deviceId, @guardianId, @owner, @childName, @pairedAt)",
            new { deviceId, guardianId, owner = owner ? 1L : 0L, childName, pairedAt });

    /// <summary>Removes one guardian; false when it was not one.</summary>
    public async Task<bool> RemoveGuardianAsync(StateSession session, string deviceId, string guardianId) =>
        await session.ExecuteAsync("DELETE FROM guardians WHERE device_id = @deviceId AND guardian_id = @guardianId", new { deviceId, guardianId }) > 0;

    /// <summary>Removes every guardian of the device; returns how many there were.</summary>
    public Task<int> RemoveGuardiansAsync(StateSession session, string deviceId) =>
        session.ExecuteAsync("DELETE FROM guardians WHERE device_id = @deviceId", new { deviceId });

    public async Task<bool> IsGuardianAsync(StateSession session, string guardianId, string deviceId) =>
        await session.ScalarAsync<long>("SELECT COUNT(*) FROM guardians WHERE device_id = @deviceId AND guardian_id = @guardianId", new { deviceId, guardianId }) > 0;

    public async Task<bool> IsOwnerAsync(StateSession session, string guardianId, string deviceId) =>
        await session.ScalarAsync<long>("SELECT COUNT(*) FROM guardians WHERE device_id = @deviceId AND guardian_id = @guardianId AND owner = 1", new { deviceId, guardianId }) > 0;

    public Task<long> GuardianCountAsync(StateSession session, string deviceId) =>
        session.ScalarAsync<long>("SELECT COUNT(*) FROM guardians WHERE device_id = @deviceId", new { deviceId });

    /// <summary>The device's guardians, owner first, then in the order they paired.</summary>
    public async Task<IReadOnlyList<StoredGuardian>> GuardiansOfAsync(StateSession session, string deviceId) =>
        [.. (await session.QueryAsync<GuardianRow>(
            "SELECT guardian_id, owner, paired_at FROM guardians WHERE device_id = @deviceId ORDER BY owner DESC, paired_at, guardian_id",
            new { deviceId })).Select(r => new StoredGuardian(r.GuardianId, r.Owner == 1, r.PairedAt))];

    /// <summary>The guardian's devices in the order they were paired.</summary>
    public async Task<IReadOnlyList<GuardedDevice>> DevicesOfAsync(StateSession session, string guardianId) =>
        [.. (await session.QueryAsync<GuardedRow>(
            """
            SELECT g.device_id, g.child_name, g.owner, COALESCE(p.reported_version, 0) AS reported_version, p.reported_at
            FROM guardians g LEFT JOIN device_policies p ON p.device_id = g.device_id
            WHERE g.guardian_id = @guardianId ORDER BY g.paired_at, g.device_id
            """,
            new { guardianId })).Select(r => new GuardedDevice(r.DeviceId, r.ChildName, r.Owner == 1, r.ReportedVersion, r.ReportedAt))];

    private sealed record GuardianRow(string GuardianId, long Owner, long PairedAt)
    {
        // For Dapper (see StateSession).
        private GuardianRow()
            : this(default!, default, default)
        {
        }
    }

    private sealed record GuardedRow(string DeviceId, string ChildName, long Owner, long ReportedVersion, long? ReportedAt)
    {
        // For Dapper (see StateSession).
        private GuardedRow()
            : this(default!, default!, default!, default!, default!)
        {
        }
    }
}
