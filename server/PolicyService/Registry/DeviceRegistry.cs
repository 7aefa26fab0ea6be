using SmartTerminal.PolicyService.Errors;
using System.Security.Cryptography;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// Device identities and their secrets: MQTT password (stored hashed), policy key and guardian-code
/// secret (stored encrypted). Secrets are returned once, at registration or explicit rotation.
/// </summary>
public sealed class DeviceRegistry(StateDatabase database, DeviceStore store, SecretProtector protector, AuditLog audit, TimeProvider time)
{
    /// <summary>The lock name that serialises every write to one device's rows.</summary>
    public static string Lock(string deviceId) => "device:" + deviceId;

    /// <summary>Creates the identity and secrets of a new unit; the caller has checked fleet ownership.</summary>
    public async Task<(DeviceRecord Device, IssuedCredentials Secrets)> RegisterAsync(Caller caller, string fleetId, string modelId, string serial)
    {
        if (!IsSerial(serial))
        {
            throw new InvalidInputException("serial_number", "must be 1-64 characters of A-Z a-z 0-9 - _ . / : (a look-alike such as a full-width or Cyrillic letter would register a second unit for one printed serial)");
        }

        var deviceId = NewDeviceId();
        var secrets = NewSecrets(deviceId, fleetId, modelId, serial, keyId: 1);
        await using var session = await database.WriteAsync();
        if (await store.SerialAsync(session, serial) is { } existing)
        {
            // Another manufacturer's unit: say no more than that (its device id is that tenant's business).
            throw new AlreadyExistsException(existing.Owner == caller.Id
                ? $"serial '{serial}' is already registered as {existing.DeviceId}; rotate its keys with RotateDeviceKeys"
                : $"serial '{serial}' is already registered by another manufacturer");
        }

        await store.InsertAsync(session, new NewDevice(
            deviceId, fleetId, modelId, serial, HashPassword(secrets.MqttPassword),
            protector.Protect(secrets.PolicyKey, "policy-key:" + deviceId),
            protector.Protect(secrets.GuardianSecret, "guardian-secret:" + deviceId),
            time.GetUtcNow(),
            ProtectBrokerPassword(deviceId, secrets.MqttPassword)));
        await audit.AppendAsync(session, caller.AuditName, "device.register", deviceId, afterJson: AuditJson.Of(new { fleetId, modelId, serial, keyId = 1 }));
        await session.CommitAsync();
        return (new DeviceRecord(deviceId, fleetId, modelId, 1, string.Empty, serial), secrets);
    }

    /// <summary>Issues new MQTT password, policy key (next key id) and guardian secret.</summary>
    public async Task<(DeviceRecord Device, IssuedCredentials Secrets)> RotateAsync(Caller caller, DeviceRecord device, string reason)
    {
        await using var session = await database.WriteAsync();
        await session.LockAsync(Lock(device.Id));
        // Read again under the lock: two rotations at once take two key ids, not the same one twice.
        var current = await store.FindAsync(session, device.Id) ?? throw new NotFoundException("device", device.Id);
        var secrets = NewSecrets(device.Id, current.FleetId, current.ModelId, current.Serial, current.KeyId + 1);
        await store.ReplaceCredentialsAsync(session, device.Id, HashPassword(secrets.MqttPassword), secrets.KeyId,
            protector.Protect(secrets.PolicyKey, "policy-key:" + device.Id),
            protector.Protect(secrets.GuardianSecret, "guardian-secret:" + device.Id),
            ProtectBrokerPassword(device.Id, secrets.MqttPassword));
        await audit.AppendAsync(session, caller.AuditName, "device.rotate-keys", device.Id,
            AuditJson.Of(new { keyId = current.KeyId }), AuditJson.Of(new { keyId = secrets.KeyId, reason }));
        await session.CommitAsync();
        return (current with { KeyId = secrets.KeyId }, secrets);
    }

    /// <summary>An active device (a decommissioned one is gone for the API), or one decommissioned too when asked.</summary>
    public async Task<DeviceRecord?> FindAsync(string deviceId, bool includeDecommissioned = false)
    {
        await using var session = await database.ReadAsync();
        return await store.FindAsync(session, deviceId, includeDecommissioned);
    }

    public async Task<DeviceSecrets> SecretsAsync(string deviceId)
    {
        await using var session = await database.ReadAsync();
        return await SecretsAsync(session, deviceId);
    }

    public async Task<DeviceSecrets> SecretsAsync(StateSession session, string deviceId)
    {
        var keys = await store.KeysAsync(session, deviceId) ?? throw new NotFoundException("device", deviceId);
        return new DeviceSecrets(
            keys.KeyId,
            protector.Unprotect(keys.PolicyKey, "policy-key:" + deviceId),
            protector.Unprotect(keys.GuardianSecret, "guardian-secret:" + deviceId));
    }

    /// <summary>A device's policy key from its stored (encrypted) form.</summary>
    public byte[] PolicyKey(string deviceId, byte[] stored) => protector.Unprotect(stored, "policy-key:" + deviceId);

    /// <summary>
    /// Checks a device's MQTT credentials (the broker calls this on every connect). A decommissioned
    /// device, an unknown id and a wrong password all answer false, at the same cost. A hash of the old
    /// scheme is replaced by one of the current scheme at the first successful login.
    /// </summary>
    public async Task<bool> AuthenticateAsync(string deviceId, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return false;
        }

        StoredPassword? stored;
        await using (var session = await database.ReadAsync())
        {
            stored = await store.PasswordAsync(session, deviceId);
        }

        if (stored is null)
        {
            return PasswordHasher.VerifyUnknown(password);
        }

        if (!PasswordHasher.Verify(password, stored.Hash, stored.Salt, (PasswordScheme)stored.Scheme))
        {
            return false;
        }

        if ((PasswordScheme)stored.Scheme != PasswordHasher.Current)
        {
            await using var upgrade = await database.WriteAsync();
            await store.UpgradePasswordAsync(upgrade, deviceId, stored.Hash, HashPassword(password));
            await upgrade.CommitAsync();
        }

        return true;
    }

    public async Task<IReadOnlyList<string>> DeviceIdsAsync(string fleetId, string modelId)
    {
        await using var session = await database.ReadAsync();
        return await store.ActiveIdsAsync(session, fleetId, modelId);
    }

    // Serials are printed on boxes and typed by people: ASCII only, so no two spellings look alike.
    private static bool IsSerial(string serial) =>
        serial.Length is >= 1 and <= 64 && serial.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':');

    // Random, not derived from the serial: a serial is printed on the box, and anyone who knows it (another
    // tenant, a reseller) must not be able to work out the unit's MQTT identity from it.
    private static string NewDeviceId() => "st-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Devices' broker logins after <paramref name="afterId"/> in id order, passwords decrypted (null for
    /// devices registered before brokers kept logins: only a key rotation can give those one).
    /// </summary>
    public async Task<IReadOnlyList<(string DeviceId, string? Password, bool Decommissioned)>> BrokerLoginsAsync(string afterId, int limit)
    {
        await using var session = await database.ReadAsync();
        return [.. (await store.BrokerLoginsAsync(session, afterId, limit)).Select(login => (
            login.DeviceId,
            login.ProtectedPassword is { } stored && !login.Decommissioned ? System.Text.Encoding.UTF8.GetString(protector.Unprotect(stored, BrokerPasswordPurpose(login.DeviceId))) : null,
            login.Decommissioned))];
    }

    private byte[] ProtectBrokerPassword(string deviceId, string password) =>
        protector.Protect(System.Text.Encoding.UTF8.GetBytes(password), BrokerPasswordPurpose(deviceId));

    private static string BrokerPasswordPurpose(string deviceId) => "broker-password:" + deviceId;

    private static StoredPassword HashPassword(string password)
    {
        var (hash, salt) = PasswordHasher.Hash(password);
        return new StoredPassword(hash, salt, (int)PasswordHasher.Current);
    }

    private static IssuedCredentials NewSecrets(string deviceId, string fleetId, string modelId, string serial, uint keyId) => new(
        deviceId, fleetId, modelId, serial,
        MqttPassword: Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_'),
        KeyId: keyId,
        PolicyKey: RandomNumberGenerator.GetBytes(32),
        GuardianSecret: RandomNumberGenerator.GetBytes(32));
}
