using SmartTerminal.PolicyService.Registry;

namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>A device's MQTT password as stored: hash, salt and the scheme that made them.</summary>
public sealed record StoredPassword(byte[] Hash, byte[] Salt, int Scheme);

/// <summary>A device's keys as stored (encrypted by the caller, see SecretProtector).</summary>
public sealed record StoredDeviceKeys(uint KeyId, byte[] PolicyKey, byte[] GuardianSecret);

/// <summary>A device about to be stored.</summary>
public sealed record NewDevice(string Id, string FleetId, string ModelId, string Serial, StoredPassword Password, byte[] PolicyKey, byte[] GuardianSecret, DateTimeOffset CreatedAt, byte[]? BrokerPassword = null);

/// <summary>A device's login as an external broker should hold it: its encrypted password (null when registered before brokers kept logins), or none when decommissioned.</summary>
public sealed record BrokerLogin(string DeviceId, byte[]? ProtectedPassword, bool Decommissioned);

/// <summary>Devices and their credentials (the <c>devices</c> table).</summary>
public sealed class DeviceStore
{
    private const string Columns = "id, fleet_id, model_id, key_id, child_birth_month, serial";

    /// <summary>The device, or null; a decommissioned one only when asked for.</summary>
    public async Task<DeviceRecord?> FindAsync(StateSession session, string deviceId, bool includeDecommissioned = false) =>
        (await session.QueryFirstOrDefaultAsync<DeviceRow>(
            $"SELECT {Columns} FROM devices WHERE id = @deviceId AND (@includeDecommissioned OR decommissioned_at IS NULL)",
            new { deviceId, includeDecommissioned }))?.ToRecord();

    /// <summary>Who registered a serial (the fleet's owner) and as which device, or null.</summary>
    public async Task<(string Owner, string DeviceId)?> SerialAsync(StateSession session, string serial) =>
        await session.QueryFirstOrDefaultAsync<SerialRow>(
            "SELECT f.owner, d.id AS device_id FROM devices d JOIN fleets f ON f.id = d.fleet_id WHERE d.serial = @serial", new { serial }) is { } row
            ? (row.Owner, row.DeviceId)
            : null;

    public Task InsertAsync(StateSession session, NewDevice device) =>
        session.ExecuteAsync(
            """
            INSERT INTO devices (id, fleet_id, model_id, serial, mqtt_password_hash, mqtt_password_salt, mqtt_password_scheme, key_id, policy_key, guardian_secret, created_at, broker_password)
            VALUES (@Id, @FleetId, @ModelId, @Serial, @Hash, @Salt, @Scheme, 1, @PolicyKey, @GuardianSecret, @CreatedAt, @BrokerPassword)
            """,
            new
            {
                device.Id, device.FleetId, device.ModelId, device.Serial, device.Password.Hash, device.Password.Salt, Scheme = (long)device.Password.Scheme,
                device.PolicyKey, device.GuardianSecret, CreatedAt = device.CreatedAt.ToUnixTimeMilliseconds(), device.BrokerPassword,
            });

    /// <summary>New password and keys (a rotation).</summary>
    public Task ReplaceCredentialsAsync(StateSession session, string deviceId, StoredPassword password, uint keyId, byte[] policyKey, byte[] guardianSecret, byte[] brokerPassword) =>
        session.ExecuteAsync(
            """
            UPDATE devices SET mqtt_password_hash = @Hash, mqtt_password_salt = @Salt, mqtt_password_scheme = @Scheme,
                   key_id = @keyId, policy_key = @policyKey, guardian_secret = @guardianSecret, broker_password = @brokerPassword
            WHERE id = @deviceId
            """,
            new { deviceId, password.Hash, password.Salt, Scheme = (long)password.Scheme, keyId = (long)keyId, policyKey, guardianSecret, brokerPassword });

    /// <summary>Devices' broker logins in id order after <paramref name="afterId"/>, a page at a time (reconciliation).</summary>
    public async Task<IReadOnlyList<BrokerLogin>> BrokerLoginsAsync(StateSession session, string afterId, int limit) =>
        [.. (await session.QueryAsync<BrokerLoginRow>(
            "SELECT id, broker_password, decommissioned_at FROM devices WHERE id > @afterId ORDER BY id LIMIT @limit",
            new { afterId, limit = (long)limit })).Select(r => new BrokerLogin(r.Id, r.BrokerPassword, r.DecommissionedAt is not null))];

    public async Task<StoredDeviceKeys?> KeysAsync(StateSession session, string deviceId) =>
        (await session.QueryFirstOrDefaultAsync<KeysRow>("SELECT key_id, policy_key, guardian_secret FROM devices WHERE id = @deviceId", new { deviceId }))?.ToKeys();

    /// <summary>The password of an active device (null for an unknown or decommissioned one).</summary>
    public async Task<StoredPassword?> PasswordAsync(StateSession session, string deviceId) =>
        (await session.QueryFirstOrDefaultAsync<PasswordRow>(
            "SELECT mqtt_password_hash, mqtt_password_salt, mqtt_password_scheme FROM devices WHERE id = @deviceId AND decommissioned_at IS NULL",
            new { deviceId }))?.ToPassword();

    /// <summary>Replaces a password hash of an older scheme, unless another login already did.</summary>
    public Task UpgradePasswordAsync(StateSession session, string deviceId, byte[] oldHash, StoredPassword password) =>
        session.ExecuteAsync(
            "UPDATE devices SET mqtt_password_hash = @Hash, mqtt_password_salt = @Salt, mqtt_password_scheme = @Scheme WHERE id = @deviceId AND mqtt_password_hash = @oldHash",
            new { deviceId, oldHash, password.Hash, password.Salt, Scheme = (long)password.Scheme });

    /// <summary>Active devices of a fleet (of one model, unless modelId is empty), in id order.</summary>
    public Task<IReadOnlyList<string>> ActiveIdsAsync(StateSession session, string fleetId, string modelId) =>
        session.QueryAsync<string>(
            "SELECT id FROM devices WHERE fleet_id = @fleetId AND (@modelId = '' OR model_id = @modelId) AND decommissioned_at IS NULL ORDER BY id",
            new { fleetId, modelId });

    /// <summary>
    /// The active devices of a fleet (and model, "" for all) cut into ranges of <paramref name="size"/> ids
    /// in id order, as their first and last ids: only the boundaries are read, not every id.
    /// </summary>
    public async Task<(IReadOnlyList<RolloutBatchRange> Ranges, long Total)> RangesAsync(StateSession session, string fleetId, string modelId, int size)
    {
        var boundaries = await session.QueryAsync<(string Id, long N, long Total)>(
            """
            SELECT id, n, total FROM (
                SELECT id, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total
                FROM devices WHERE fleet_id = @fleetId AND (@modelId = '' OR model_id = @modelId) AND decommissioned_at IS NULL) numbered
            WHERE (n - 1) % @size = 0 OR n % @size = 0 OR n = total
            ORDER BY n
            """,
            new { fleetId, modelId, size = (long)size });
        var ranges = new List<RolloutBatchRange>();
        for (var i = 0; i < boundaries.Count; i++)
        {
            // A range's first id (n = k*size + 1) is followed by its last (n = (k+1)*size, or the total); a
            // range of one device has the same row for both.
            var first = boundaries[i];
            var last = i + 1 < boundaries.Count && (first.N % size != 0 && first.N != first.Total) ? boundaries[++i] : first;
            ranges.Add(new RolloutBatchRange(first.Id, last.Id));
        }

        return (ranges, boundaries.Count == 0 ? 0 : boundaries[0].Total);
    }

    /// <summary>The active devices of a fleet (and model) from first to last id, inclusive: one rollout batch.</summary>
    public Task<IReadOnlyList<string>> ActiveIdsInRangeAsync(StateSession session, string fleetId, string modelId, RolloutBatchRange range) =>
        session.QueryAsync<string>(
            """
            SELECT id FROM devices WHERE fleet_id = @fleetId AND (@modelId = '' OR model_id = @modelId) AND decommissioned_at IS NULL
            AND id >= @FirstDeviceId AND id <= @LastDeviceId ORDER BY id
            """,
            new { fleetId, modelId, range.FirstDeviceId, range.LastDeviceId });

    /// <summary>Every device of a fleet with its child's birth month ("" when unknown).</summary>
    public Task<IReadOnlyList<(string DeviceId, string BirthMonth)>> BirthMonthsAsync(StateSession session, string fleetId) =>
        session.QueryAsync<(string, string)>("SELECT id, child_birth_month FROM devices WHERE fleet_id = @fleetId", new { fleetId });

    /// <summary>A device's fleet and registration time, decommissioned or not.</summary>
    public async Task<(string FleetId, DateTimeOffset RegisteredAt)?> FleetOfAsync(StateSession session, string deviceId) =>
        await session.QueryFirstOrDefaultAsync<FleetRow>("SELECT fleet_id, created_at FROM devices WHERE id = @deviceId AND decommissioned_at IS NULL", new { deviceId }) is { } row
            ? (row.FleetId, DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt))
            : null;

    /// <summary>Marks the device decommissioned (erasing the child's birth month if asked); false if it already was.</summary>
    public async Task<bool> MarkDecommissionedAsync(StateSession session, string deviceId, DateTimeOffset at, bool eraseChild) =>
        await session.ExecuteAsync(
            """
            UPDATE devices SET decommissioned_at = @at, child_birth_month = CASE WHEN @eraseChild THEN '' ELSE child_birth_month END
            WHERE id = @deviceId AND decommissioned_at IS NULL
            """,
            new { deviceId, at = at.ToUnixTimeMilliseconds(), eraseChild }) == 1;

    public Task SetChildBirthMonthAsync(StateSession session, string deviceId, string birthMonth) =>
        session.ExecuteAsync("UPDATE devices SET child_birth_month = @birthMonth WHERE id = @deviceId", new { deviceId, birthMonth });

    private sealed record DeviceRow(string Id, string FleetId, string ModelId, long KeyId, string ChildBirthMonth, string Serial)
    {
        // For Dapper (see StateSession).
        private DeviceRow()
            : this(default!, default!, default!, default!, default!, default!)
        {
        }

        public DeviceRecord ToRecord() => new(Id, FleetId, ModelId, (uint)KeyId, ChildBirthMonth, Serial);
    }

    private sealed record SerialRow(string Owner, string DeviceId)
    {
        // For Dapper (see StateSession).
        private SerialRow()
            : this(default!, default!)
        {
        }
    }

    private sealed record FleetRow(string FleetId, long CreatedAt)
    {
        // For Dapper (see StateSession).
        private FleetRow()
            : this(default!, default!)
        {
        }
    }

    private sealed record KeysRow(long KeyId, byte[] PolicyKey, byte[] GuardianSecret)
    {
        // For Dapper (see StateSession).
        private KeysRow()
            : this(default!, default!, default!)
        {
        }

        public StoredDeviceKeys ToKeys() => new((uint)KeyId, PolicyKey, GuardianSecret);
    }

    private sealed record PasswordRow(byte[] MqttPasswordHash, byte[] MqttPasswordSalt, long MqttPasswordScheme)
    {
        // For Dapper (see StateSession).
        private PasswordRow()
            : this(default!, default!, default!)
        {
        }

        public StoredPassword ToPassword() => new(MqttPasswordHash, MqttPasswordSalt, (int)MqttPasswordScheme);
    }

    private sealed record BrokerLoginRow(string Id, byte[]? BrokerPassword, long? DecommissionedAt)
    {
        // For Dapper (see StateSession).
        private BrokerLoginRow()
            : this(default!, default, default)
        {
        }
    }
}
