namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>The policy in force for a device: its version, when it was made, the signed envelope and what it was made from.</summary>
public sealed record StoredPolicy(long DesiredVersion, long DesiredAt, byte[] Envelope, byte[]? InputHash)
{
    // For Dapper (see StateSession).
    private StoredPolicy()
        : this(default!, default!, default!, default!)
    {
    }
}

/// <summary>Desired against reported policy version of one device.</summary>
public sealed record StoredPolicyState(string DeviceId, long DesiredVersion, long DesiredAt, long ReportedVersion, long? ReportedAt, long LastRefusal)
{
    // For Dapper (see StateSession).
    private StoredPolicyState()
        : this(default!, default!, default!, default!, default!, default!)
    {
    }
}

/// <summary>What an active device's policy is made from (its row, its guardians' settings) and the policy in force, if any.</summary>
public sealed record PolicyInputs(
    string DeviceId, string FleetId, string ModelId, long KeyId, string ChildBirthMonth, string Serial, byte[] PolicyKey,
    byte[]? GuardianSettings, long? DesiredVersion, long? DesiredAt, byte[]? Envelope, byte[]? InputHash)
{
    // For Dapper (see StateSession).
    private PolicyInputs()
        : this(default!, default!, default!, default!, default!, default!, default!, default, default, default, default, default)
    {
    }
}

/// <summary>A new policy version to store for a device.</summary>
public sealed record NewPolicy(string DeviceId, ulong Version, DateTimeOffset At, byte[] Envelope, byte[] InputHash);

/// <summary>How many of a fleet's active devices run their desired policy, lag behind, or were never seen.</summary>
public sealed record PolicyCoverage(long TotalDevices, long CurrentDevices, long LaggingDevices, long NeverSeenDevices)
{
    // For Dapper (see StateSession).
    private PolicyCoverage()
        : this(default!, default!, default!, default!)
    {
    }
}

/// <summary>
/// Each device's signed policy and what the device reports back (the <c>device_policies</c> table):
/// desired against reported versions, like device twins.
/// </summary>
public sealed class DevicePolicyStore
{
    private const string StateColumns = "p.device_id, p.desired_version, p.desired_at, p.reported_version, p.reported_at, p.last_refusal";

    public Task<StoredPolicy?> CurrentAsync(StateSession session, string deviceId) =>
        session.QueryFirstOrDefaultAsync<StoredPolicy>("SELECT desired_version, desired_at, envelope, input_hash FROM device_policies WHERE device_id = @deviceId", new { deviceId });

    /// <summary>Rows per statement on PostgreSQL (5 parameters each, far below its limit of 65,535).</summary>
    private const int RowsPerStatement = 500;

    /// <summary>The inputs of every active device of the list (one query; unknown or decommissioned ones are missing).</summary>
    public Task<IReadOnlyList<PolicyInputs>> InputsAsync(StateSession session, IReadOnlyCollection<string> deviceIds) =>
        session.QueryAsync<PolicyInputs>(
            $"""
            SELECT d.id AS device_id, d.fleet_id, d.model_id, d.key_id, d.child_birth_month, d.serial, d.policy_key,
                   g.body AS guardian_settings, p.desired_version, p.desired_at, p.envelope, p.input_hash
            FROM devices d
            LEFT JOIN guardian_settings g ON g.device_id = d.id
            LEFT JOIN device_policies p ON p.device_id = d.id
            WHERE {session.IsAnyOf("d.id", "deviceIds")} AND d.decommissioned_at IS NULL
            """,
            new { deviceIds = deviceIds.ToArray() });

    /// <summary>Stores a new version; an older or equal one never replaces a newer one (the guard holds against any writer).</summary>
    public Task StoreAsync(StateSession session, string deviceId, ulong version, DateTimeOffset at, byte[] envelope, byte[] inputHash) =>
        StoreAsync(session, [new NewPolicy(deviceId, version, at, envelope, inputHash)]);

    /// <summary>
    /// Stores new versions of many devices with the same guard: on PostgreSQL a few hundred rows per
    /// statement (one round trip each), on SQLite row by row on one prepared command (in-process there
    /// is no round trip to save, and a statement with thousands of parameters costs more than it saves).
    /// </summary>
    public async Task StoreAsync(StateSession session, IReadOnlyList<NewPolicy> policies)
    {
        if (session.Provider == StateProvider.Sqlite)
        {
            await session.ExecuteAsync(Upsert("(@DeviceId, @Version, @At, @Envelope, @InputHash)"), policies.Select(p => new
            {
                p.DeviceId, Version = (long)p.Version, At = p.At.ToUnixTimeMilliseconds(), p.Envelope, p.InputHash,
            }));
            return;
        }

        foreach (var chunk in policies.Chunk(RowsPerStatement))
        {
            var parameters = new Dapper.DynamicParameters();
            var rows = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                rows.Add($"(@d{i}, @v{i}, @a{i}, @e{i}, @h{i})");
                parameters.Add("d" + i, chunk[i].DeviceId);
                parameters.Add("v" + i, (long)chunk[i].Version);
                parameters.Add("a" + i, chunk[i].At.ToUnixTimeMilliseconds());
                parameters.Add("e" + i, chunk[i].Envelope);
                parameters.Add("h" + i, chunk[i].InputHash);
            }

            await session.ExecuteAsync(Upsert(string.Join(", ", rows)), parameters);
        }
    }

    private static string Upsert(string values) =>
        $"""
        INSERT INTO device_policies (device_id, desired_version, desired_at, envelope, input_hash) VALUES {values}
        ON CONFLICT (device_id) DO UPDATE SET desired_version = excluded.desired_version, desired_at = excluded.desired_at,
               envelope = excluded.envelope, input_hash = excluded.input_hash
        WHERE excluded.desired_version > device_policies.desired_version
        """;

    /// <summary>
    /// Records the version a device reports it enforces. The reported version never goes back; a refusal
    /// is kept until the device reports the desired version (a heartbeat in between, which refuses
    /// nothing, must not hide why the device lags). Reports count in the order of their uplink sequence:
    /// one that arrives late (another replica, a resend) after a newer one changes nothing. True when
    /// the report was recorded and names a version older than the one the device should have.
    /// </summary>
    public async Task<bool> RecordReportAsync(StateSession session, string deviceId, ulong sequence, ulong appliedVersion, DateTimeOffset at, int refusal, string? firmware = null) =>
        await session.QueryFirstOrDefaultAsync<long?>(
            """
            UPDATE device_policies SET
                   reported_version = CASE WHEN reported_version > @version THEN reported_version ELSE @version END,
                   reported_at = @at,
                   firmware = COALESCE(@firmware, firmware),
                   last_refusal = CASE WHEN @refusal <> 0 THEN @refusal
                                       WHEN @version >= desired_version OR reported_version >= desired_version THEN 0
                                       ELSE last_refusal END,
                   reported_sequence = @sequence
            WHERE device_id = @deviceId AND reported_sequence < @sequence
            RETURNING desired_version
            """,
            new { deviceId, sequence = (long)sequence, version = (long)appliedVersion, at = at.ToUnixTimeMilliseconds(), refusal = (long)refusal, firmware }) is { } desired && desired > (long)appliedVersion;

    /// <summary>How many of a fleet's active devices last reported each firmware version (null: none reported yet), most devices first.</summary>
    public Task<IReadOnlyList<FirmwareCount>> FirmwareAsync(StateSession session, string fleetId) =>
        session.QueryAsync<FirmwareCount>(
            """
            SELECT p.firmware AS version, COUNT(*) AS devices
            FROM devices d LEFT JOIN device_policies p ON p.device_id = d.id
            WHERE d.fleet_id = @fleetId AND d.decommissioned_at IS NULL
            GROUP BY p.firmware ORDER BY COUNT(*) DESC, p.firmware
            """,
            new { fleetId });

    public Task<StoredPolicyState?> StateAsync(StateSession session, string deviceId) =>
        session.QueryFirstOrDefaultAsync<StoredPolicyState>($"SELECT {StateColumns} FROM device_policies p WHERE p.device_id = @deviceId", new { deviceId });

    /// <summary>A page of a fleet's devices lagging since before the given time, longest lag first; of one last refusal when given (0 = none).</summary>
    public Task<IReadOnlyList<StoredPolicyState>> LaggingAsync(StateSession session, string fleetId, DateTimeOffset desiredBefore, int? refusal, int limit, int offset) =>
        session.QueryAsync<StoredPolicyState>(
            $"""
            SELECT {StateColumns}
            FROM device_policies p JOIN devices d ON d.id = p.device_id
            WHERE d.fleet_id = @fleetId AND p.reported_version < p.desired_version AND p.desired_at <= @before
              AND (@refusal < 0 OR COALESCE(p.last_refusal, 0) = @refusal)
            ORDER BY p.desired_at, p.device_id LIMIT @limit OFFSET @offset
            """,
            new { fleetId, before = desiredBefore.ToUnixTimeMilliseconds(), refusal = (long)(refusal ?? -1), limit = (long)limit, offset = (long)offset });

    /// <summary>How many devices of a fleet (of one model, when given) acknowledged a policy made since the given time.</summary>
    public Task<long> AcknowledgedSinceAsync(StateSession session, string fleetId, long sinceUnixMs, string modelId = "") =>
        session.ScalarAsync<long>(
            """
            SELECT COUNT(*) FROM device_policies p JOIN devices d ON d.id = p.device_id
            WHERE d.fleet_id = @fleetId AND (@modelId = '' OR d.model_id = @modelId)
              AND p.desired_at >= @since AND p.reported_version >= p.desired_version
            """,
            new { fleetId, modelId, since = sinceUnixMs });

    public Task<PolicyCoverage> CoverageAsync(StateSession session, string fleetId) =>
        session.QueryFirstOrDefaultAsync<PolicyCoverage>(
            """
            SELECT COUNT(*) AS total_devices,
                   COALESCE(SUM(CASE WHEN p.reported_version >= p.desired_version THEN 1 ELSE 0 END), 0) AS current_devices,
                   COALESCE(SUM(CASE WHEN p.reported_version < p.desired_version AND p.reported_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS lagging_devices,
                   COALESCE(SUM(CASE WHEN p.reported_at IS NULL THEN 1 ELSE 0 END), 0) AS never_seen_devices
            FROM devices d LEFT JOIN device_policies p ON p.device_id = d.id WHERE d.fleet_id = @fleetId AND d.decommissioned_at IS NULL
            """,
            new { fleetId })!;

    /// <summary>Every device's current envelope (the retained messages a restarted broker serves).</summary>
    public Task<IReadOnlyList<(string DeviceId, byte[] Envelope)>> EnvelopesAsync(StateSession session) =>
        session.QueryAsync<(string, byte[])>("SELECT device_id, envelope FROM device_policies");

    public Task DeleteAsync(StateSession session, string deviceId) =>
        session.ExecuteAsync("DELETE FROM device_policies WHERE device_id = @deviceId", new { deviceId });
}

/// <summary>Devices that last reported one firmware version (null: none yet).</summary>
public sealed record FirmwareCount(string? Version, long Devices)
{
    // For Dapper (see StateSession).
    private FirmwareCount()
        : this(default, default)
    {
    }
}
