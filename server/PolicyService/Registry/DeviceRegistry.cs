using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Api;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// Device identities and their secrets: MQTT password (stored hashed), policy key and guardian-code
/// secret (stored encrypted). Secrets are returned once, at registration or explicit rotation.
/// </summary>
public sealed class DeviceRegistry(Database database, SecretProtector protector, AuditLog audit, TimeProvider time)
{
    // Random, not derived from the serial: a serial is printed on the box, and anyone who knows it (another
    // tenant, a reseller) must not be able to work out the unit's MQTT identity from it.
    private static string NewDeviceId() => "st-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    // Serials are printed on boxes and typed by people: ASCII only, so no two spellings look alike.
    private static bool IsSerial(string serial) =>
        serial.Length is >= 1 and <= 64 && serial.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':');

    /// <summary>Creates the identity and secrets of a new unit; the caller has checked fleet ownership.</summary>
    public (DeviceRecord Device, RegisterDeviceResponse Secrets) Register(Caller caller, string fleetId, string modelId, string serial)
    {
        if (!IsSerial(serial))
        {
            throw ApiErrors.Invalid("serial_number", "must be 1-64 characters of A-Z a-z 0-9 - _ . / : (a look-alike such as a full-width or Cyrillic letter would register a second unit for one printed serial)");
        }

        var deviceId = NewDeviceId();
        var secrets = NewSecrets(deviceId, keyId: 1);
        secrets.FleetId = fleetId;
        secrets.ModelId = modelId;
        secrets.SerialNumber = serial;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using (var exists = connection.CreateCommand())
        {
            exists.Transaction = transaction;
            exists.CommandText = "SELECT f.owner, d.id FROM devices d JOIN fleets f ON f.id = d.fleet_id WHERE d.serial = $serial";
            exists.Parameters.AddWithValue("$serial", serial);
            using var found = exists.ExecuteReader();
            if (found.Read())
            {
                // Another manufacturer's unit: say no more than that (its device id is that tenant's business).
                throw ApiErrors.AlreadyExists(found.GetString(0) == caller.Id
                    ? $"serial '{serial}' is already registered as {found.GetString(1)}; rotate its keys with RotateDeviceKeys"
                    : $"serial '{serial}' is already registered by another manufacturer");
            }
        }

        var (hash, salt) = PasswordHasher.Hash(secrets.MqttPassword);
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO devices (id, fleet_id, model_id, serial, mqtt_password_hash, mqtt_password_salt, mqtt_password_scheme, key_id, policy_key, guardian_secret, created_at)
            VALUES ($id, $fleet, $model, $serial, $hash, $salt, $scheme, 1, $policyKey, $guardianSecret, $at)
            """;
        insert.Parameters.AddWithValue("$id", deviceId);
        insert.Parameters.AddWithValue("$fleet", fleetId);
        insert.Parameters.AddWithValue("$model", modelId);
        insert.Parameters.AddWithValue("$serial", serial);
        insert.Parameters.AddWithValue("$hash", hash);
        insert.Parameters.AddWithValue("$salt", salt);
        insert.Parameters.AddWithValue("$scheme", (int)PasswordHasher.Current);
        insert.Parameters.AddWithValue("$policyKey", protector.Protect(secrets.PolicyKey.ToByteArray(), "policy-key:" + deviceId));
        insert.Parameters.AddWithValue("$guardianSecret", protector.Protect(secrets.GuardianCodeSecret.ToByteArray(), "guardian-secret:" + deviceId));
        insert.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        insert.ExecuteNonQuery();
        audit.Append(connection, transaction, caller.AuditName, "device.register", deviceId, afterJson: AuditJson.Of(new { fleetId, modelId, serial, keyId = 1 }));
        transaction.Commit();
        return (new DeviceRecord(deviceId, fleetId, modelId, 1, string.Empty, serial), secrets);
    }

    /// <summary>Issues new MQTT password, policy key (next key id) and guardian secret.</summary>
    public (DeviceRecord Device, RegisterDeviceResponse Secrets) Rotate(Caller caller, DeviceRecord device, string reason)
    {
        var secrets = NewSecrets(device.Id, device.KeyId + 1);
        secrets.FleetId = device.FleetId;
        secrets.ModelId = device.ModelId;
        secrets.SerialNumber = device.Serial;
        var (hash, salt) = PasswordHasher.Hash(secrets.MqttPassword);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE devices SET mqtt_password_hash = $hash, mqtt_password_salt = $salt, mqtt_password_scheme = $scheme, key_id = $keyId, policy_key = $policyKey, guardian_secret = $guardianSecret WHERE id = $id";
        update.Parameters.AddWithValue("$id", device.Id);
        update.Parameters.AddWithValue("$hash", hash);
        update.Parameters.AddWithValue("$salt", salt);
        update.Parameters.AddWithValue("$scheme", (int)PasswordHasher.Current);
        update.Parameters.AddWithValue("$keyId", secrets.PolicyKeyId);
        update.Parameters.AddWithValue("$policyKey", protector.Protect(secrets.PolicyKey.ToByteArray(), "policy-key:" + device.Id));
        update.Parameters.AddWithValue("$guardianSecret", protector.Protect(secrets.GuardianCodeSecret.ToByteArray(), "guardian-secret:" + device.Id));
        update.ExecuteNonQuery();
        audit.Append(connection, transaction, caller.AuditName, "device.rotate-keys", device.Id,
            AuditJson.Of(new { keyId = device.KeyId }), AuditJson.Of(new { keyId = secrets.PolicyKeyId, reason }));
        transaction.Commit();
        return (device with { KeyId = secrets.PolicyKeyId }, secrets);
    }

    /// <summary>An active device (a decommissioned one is gone for the API).</summary>
    public DeviceRecord? Find(string deviceId) => Find(deviceId, includeDecommissioned: false);

    public DeviceRecord? Find(string deviceId, bool includeDecommissioned)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, fleet_id, model_id, key_id, child_birth_month, serial FROM devices WHERE id = $id AND ($all OR decommissioned_at IS NULL)";
        command.Parameters.AddWithValue("$all", includeDecommissioned);
        command.Parameters.AddWithValue("$id", deviceId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new DeviceRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), (uint)reader.GetInt64(3), reader.GetString(4), reader.GetString(5)) : null;
    }

    public DeviceSecrets Secrets(string deviceId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, policy_key, guardian_secret FROM devices WHERE id = $id";
        command.Parameters.AddWithValue("$id", deviceId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw ApiErrors.NotFound("device", deviceId);
        }

        return new DeviceSecrets(
            (uint)reader.GetInt64(0),
            protector.Unprotect((byte[])reader[1], "policy-key:" + deviceId),
            protector.Unprotect((byte[])reader[2], "guardian-secret:" + deviceId));
    }

    /// <summary>
    /// Checks a device's MQTT credentials (the broker calls this on every connect). A decommissioned
    /// device, an unknown id and a wrong password all answer false, at the same cost. A hash of the old
    /// scheme is replaced by one of the current scheme at the first successful login.
    /// </summary>
    public bool Authenticate(string deviceId, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return false;
        }

        using var connection = database.Open();
        byte[] hash, salt;
        PasswordScheme scheme;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT mqtt_password_hash, mqtt_password_salt, mqtt_password_scheme FROM devices WHERE id = $id AND decommissioned_at IS NULL";
            command.Parameters.AddWithValue("$id", deviceId);
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return PasswordHasher.VerifyUnknown(password);
            }

            (hash, salt, scheme) = ((byte[])reader[0], (byte[])reader[1], (PasswordScheme)reader.GetInt32(2));
        }

        if (!PasswordHasher.Verify(password, hash, salt, scheme))
        {
            return false;
        }

        if (scheme != PasswordHasher.Current)
        {
            var (newHash, newSalt) = PasswordHasher.Hash(password);
            using var upgrade = connection.CreateCommand();
            upgrade.CommandText = "UPDATE devices SET mqtt_password_hash = $hash, mqtt_password_salt = $salt, mqtt_password_scheme = $scheme WHERE id = $id AND mqtt_password_hash = $old";
            upgrade.Parameters.AddWithValue("$id", deviceId);
            upgrade.Parameters.AddWithValue("$hash", newHash);
            upgrade.Parameters.AddWithValue("$salt", newSalt);
            upgrade.Parameters.AddWithValue("$scheme", (int)PasswordHasher.Current);
            upgrade.Parameters.AddWithValue("$old", hash);
            upgrade.ExecuteNonQuery();
        }

        return true;
    }

    public IReadOnlyList<string> DeviceIds(string fleetId, string modelId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM devices WHERE fleet_id = $fleet AND ($model = '' OR model_id = $model) AND decommissioned_at IS NULL ORDER BY id";
        command.Parameters.AddWithValue("$fleet", fleetId);
        command.Parameters.AddWithValue("$model", modelId);
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>
    /// Marks the device decommissioned (its login stops working at once) and forgets what only its
    /// guardians and the child had given: settings, the child's birth month; false if it already was.
    /// </summary>
    public bool MarkDecommissioned(SqliteConnection connection, SqliteTransaction transaction, string deviceId, bool eraseChild)
    {
        if (IsDecommissioned(connection, transaction, deviceId))
        {
            return false;
        }

        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE devices SET decommissioned_at = $at, child_birth_month = CASE WHEN $erase THEN '' ELSE child_birth_month END
            WHERE id = $id AND decommissioned_at IS NULL;
            DELETE FROM guardian_settings WHERE device_id = $id;
            DELETE FROM device_policies WHERE device_id = $id;
            """;
        update.Parameters.AddWithValue("$id", deviceId);
        update.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        update.Parameters.AddWithValue("$erase", eraseChild);
        update.ExecuteNonQuery();
        return true;
    }

    private static bool IsDecommissioned(SqliteConnection connection, SqliteTransaction transaction, string deviceId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT decommissioned_at IS NOT NULL FROM devices WHERE id = $id";
        command.Parameters.AddWithValue("$id", deviceId);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    public void SetChild(SqliteConnection connection, SqliteTransaction transaction, string deviceId, string birthMonth)
    {
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE devices SET child_birth_month = $month WHERE id = $id";
        update.Parameters.AddWithValue("$month", birthMonth);
        update.Parameters.AddWithValue("$id", deviceId);
        update.ExecuteNonQuery();
    }

    private static RegisterDeviceResponse NewSecrets(string deviceId, uint keyId) => new()
    {
        DeviceId = deviceId,
        MqttPassword = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_'),
        PolicyKeyId = keyId,
        PolicyKey = Google.Protobuf.ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
        GuardianCodeSecret = Google.Protobuf.ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
    };
}
