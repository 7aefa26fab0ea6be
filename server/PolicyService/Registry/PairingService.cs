using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Api;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// Guardians and their devices. Pairing codes are random, single use, expire, and are stored only
/// as hashes; guessing is rate-limited per guardian. Only the owning guardian issues further codes
/// or removes others, and removing a guardian voids every unused code, so nobody re-binds with an
/// old code (the rebinding attack reported against kids' watches).
/// </summary>
public sealed class PairingService(Database database, DeviceRegistry devices, AuditLog audit, AccessDenials denials, TimeProvider time, IOptions<ServiceOptions> options)
{
    /// <summary>Wrong or right, at most this many pairing attempts per guardian per window.</summary>
    public const int MaxAttempts = 5;

    public static readonly TimeSpan AttemptWindow = TimeSpan.FromMinutes(10);

    // No 0/O or 1/I/L: codes are read off a box and typed on a phone.
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    private const int CodeLength = 10;

    /// <summary>Issues a code (at registration, or for a further guardian by the owner).</summary>
    public PairingCode CreateCode(string deviceId)
    {
        var code = new string(Enumerable.Range(0, CodeLength).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)]).ToArray());
        var expires = time.GetUtcNow().AddMinutes(options.Value.PairingCodeMinutes);
        using var connection = database.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO pairing_codes (code_hash, device_id, expires_at) VALUES ($hash, $device, $expires)";
        insert.Parameters.AddWithValue("$hash", HashCode(code));
        insert.Parameters.AddWithValue("$device", deviceId);
        insert.Parameters.AddWithValue("$expires", expires.ToUnixTimeMilliseconds());
        insert.ExecuteNonQuery();
        return new PairingCode { Code = code, ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(expires) };
    }

    public PairingCode CreateCodeAsOwner(Caller caller, string deviceId)
    {
        if (!IsOwner(caller.Id, deviceId))
        {
            denials.Record(caller, deviceId, "not-owner");
            throw ApiErrors.PermissionDenied("only the owning guardian issues pairing codes");
        }

        var code = CreateCode(deviceId);
        audit.Append(caller.AuditName, "pairing.code-issued", deviceId);
        return code;
    }

    public PairedDevice Pair(Caller caller, string code, string birthMonth, string childName)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        if (CountRecentAttempts(connection, transaction, caller.Id, now) >= MaxAttempts)
        {
            throw ApiErrors.ResourceExhausted($"too many pairing attempts; try again in {AttemptWindow.TotalMinutes:F0} minutes");
        }

        using (var attempt = connection.CreateCommand())
        {
            attempt.Transaction = transaction;
            attempt.CommandText = "INSERT INTO pairing_attempts (guardian_id, at) VALUES ($g, $at)";
            attempt.Parameters.AddWithValue("$g", caller.Id);
            attempt.Parameters.AddWithValue("$at", now);
            attempt.ExecuteNonQuery();
        }

        var deviceId = TakeCode(connection, transaction, (code ?? string.Empty).Trim().ToUpperInvariant(), now);
        if (deviceId is null)
        {
            // The attempt is recorded even when the code is wrong: that is what limits guessing.
            transaction.Commit();
            throw ApiErrors.NotFound("pairing code", "(not valid, used or expired)");
        }

        var owner = GuardianCount(connection, transaction, deviceId) == 0;
        if (owner)
        {
            if (!IsBirthMonth(birthMonth))
            {
                throw ApiErrors.Invalid("child_birth_month", "the first guardian gives the child's birth month as YYYY-MM");
            }

            devices.SetChild(connection, transaction, deviceId, birthMonth);
        }

        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT OR REPLACE INTO guardians (device_id, guardian_id, owner, child_name, paired_at) VALUES ($d, $g, $o, $n, $at)";
            insert.Parameters.AddWithValue("$d", deviceId);
            insert.Parameters.AddWithValue("$g", caller.Id);
            insert.Parameters.AddWithValue("$o", owner ? 1 : 0);
            insert.Parameters.AddWithValue("$n", childName ?? string.Empty);
            insert.Parameters.AddWithValue("$at", now);
            insert.ExecuteNonQuery();
        }

        audit.Append(connection, transaction, caller.AuditName, "pairing.add", deviceId, afterJson: AuditJson.Of(new { guardian = caller.Id, owner }));
        transaction.Commit();
        return List(caller).Single(d => d.DeviceId == deviceId);
    }

    public IReadOnlyList<PairedDevice> List(Caller caller)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT g.device_id, g.child_name, g.owner, COALESCE(p.reported_version, 0), p.reported_at
            FROM guardians g LEFT JOIN device_policies p ON p.device_id = g.device_id
            WHERE g.guardian_id = $g ORDER BY g.paired_at
            """;
        command.Parameters.AddWithValue("$g", caller.Id);
        using var reader = command.ExecuteReader();
        var result = new List<PairedDevice>();
        while (reader.Read())
        {
            var device = new PairedDevice { DeviceId = reader.GetString(0), ChildName = reader.GetString(1), Owner = reader.GetInt64(2) == 1, ReportedPolicyVersion = (ulong)reader.GetInt64(3) };
            if (!reader.IsDBNull(4))
            {
                device.LastSeenAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
            }

            result.Add(device);
        }

        return result;
    }

    public uint RemoveGuardian(Caller caller, string deviceId, string guardianId)
    {
        var callerIsOwner = IsOwner(caller.Id, deviceId);
        if (!callerIsOwner && guardianId != caller.Id)
        {
            denials.Record(caller, deviceId, "not-owner");
            throw ApiErrors.PermissionDenied("only the owning guardian removes other guardians");
        }

        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var count = GuardianCount(connection, transaction, deviceId);
        if (guardianId == caller.Id && callerIsOwner && count > 1)
        {
            throw ApiErrors.FailedPrecondition("the owning guardian removes the other guardians before leaving");
        }

        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM guardians WHERE device_id = $d AND guardian_id = $g";
        delete.Parameters.AddWithValue("$d", deviceId);
        delete.Parameters.AddWithValue("$g", guardianId);
        if (delete.ExecuteNonQuery() == 0)
        {
            throw ApiErrors.NotFound("guardian", guardianId);
        }

        using var voidCodes = connection.CreateCommand();
        voidCodes.Transaction = transaction;
        voidCodes.CommandText = "UPDATE pairing_codes SET used_at = $now WHERE device_id = $d AND used_at IS NULL";
        voidCodes.Parameters.AddWithValue("$d", deviceId);
        voidCodes.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        voidCodes.ExecuteNonQuery();
        audit.Append(connection, transaction, caller.AuditName, "pairing.remove", deviceId, beforeJson: AuditJson.Of(new { guardian = guardianId }));
        transaction.Commit();
        return (uint)(count - 1);
    }

    public bool IsGuardian(string guardianId, string deviceId) => Exists("SELECT 1 FROM guardians WHERE device_id = $d AND guardian_id = $g", deviceId, guardianId);

    public bool IsOwner(string guardianId, string deviceId) => Exists("SELECT 1 FROM guardians WHERE device_id = $d AND guardian_id = $g AND owner = 1", deviceId, guardianId);

    /// <summary>A device the caller is not paired with answers like a missing one.</summary>
    public void RequireGuardian(Caller caller, string deviceId)
    {
        if (!caller.Has(Roles.Guardian) || !IsGuardian(caller.Id, deviceId))
        {
            denials.Record(caller, deviceId, devices.Find(deviceId) is null ? "unknown-device" : "not-paired");
            throw ApiErrors.NotFound("device", deviceId);
        }
    }

    private bool Exists(string sql, string deviceId, string guardianId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$d", deviceId);
        command.Parameters.AddWithValue("$g", guardianId);
        return command.ExecuteScalar() is not null;
    }

    private static long CountRecentAttempts(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string guardianId, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM pairing_attempts WHERE guardian_id = $g AND at > $since";
        command.Parameters.AddWithValue("$g", guardianId);
        command.Parameters.AddWithValue("$since", now - (long)AttemptWindow.TotalMilliseconds);
        return (long)command.ExecuteScalar()!;
    }

    private static string? TakeCode(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string code, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE pairing_codes SET used_at = $now WHERE code_hash = $hash AND used_at IS NULL AND expires_at > $now RETURNING device_id";
        command.Parameters.AddWithValue("$hash", HashCode(code));
        command.Parameters.AddWithValue("$now", now);
        return command.ExecuteScalar() as string;
    }

    private static long GuardianCount(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string deviceId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM guardians WHERE device_id = $d";
        command.Parameters.AddWithValue("$d", deviceId);
        return (long)command.ExecuteScalar()!;
    }

    private static bool IsBirthMonth(string value) =>
        DateTime.TryParseExact(value, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && month.Year > 1990;

    private static byte[] HashCode(string code) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code));
}
