using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Api;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// Guardians and their devices. Pairing codes are random, single use and stored only as hashes;
/// guessing is rate-limited per guardian. The box code issued at registration stays valid until the
/// unit's first pairing (a unit may sit in a warehouse for months) and is void after it; codes the
/// owning guardian issues for co-guardians expire. Only the owner issues further codes or removes
/// others; removing a guardian voids every unused code, so nobody re-binds with an old code (the
/// rebinding attack reported against kids' watches). A returned unit gets a new box code from its
/// manufacturer (<see cref="Reissue"/>), which also removes its guardians.
/// </summary>
public sealed class PairingService(Database database, DeviceRegistry devices, AuditLog audit, AccessDenials denials, TimeProvider time, IOptions<ServiceOptions> options)
{
    /// <summary>Wrong or right, at most this many pairing attempts per guardian per window.</summary>
    public const int MaxAttempts = 5;

    public const int MaxChildNameLength = 64;

    public static readonly TimeSpan AttemptWindow = TimeSpan.FromMinutes(10);

    // No 0/O or 1/I/L: codes are read off a box and typed on a phone.
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    private const int CodeLength = 10;

    private enum CodeKind
    {
        // Issued by the owning guardian for a co-guardian; expires.
        Guardian = 0,

        // Printed on the box at registration (or reissued by the manufacturer); valid until the first pairing.
        Box = 1,
    }

    /// <summary>Issues the box code of a newly registered unit (no expiry until its first pairing).</summary>
    public PairingCode CreateBoxCode(string deviceId)
    {
        using var connection = database.Open();
        return Insert(connection, null, deviceId, CodeKind.Box);
    }

    public PairingCode CreateCodeAsOwner(Caller caller, string deviceId)
    {
        if (!IsOwner(caller.Id, deviceId))
        {
            denials.Record(caller, deviceId, "not-owner");
            throw ApiErrors.PermissionDenied("only the owning guardian issues pairing codes");
        }

        using var connection = database.Open();
        var code = Insert(connection, null, deviceId, CodeKind.Guardian);
        audit.Append(caller.AuditName, "pairing.code-issued", deviceId);
        return code;
    }

    public PairedDevice Pair(Caller caller, string code, string birthMonth, string childName)
    {
        childName ??= string.Empty;
        if (childName.Length > MaxChildNameLength)
        {
            throw ApiErrors.Invalid("child_name", $"at most {MaxChildNameLength} characters");
        }

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

        var codeHash = HashCode((code ?? string.Empty).Trim().ToUpperInvariant());
        var deviceId = FindCode(connection, transaction, codeHash, now);
        if (deviceId is null)
        {
            // The attempt is recorded even when the code is wrong: that is what limits guessing.
            transaction.Commit();
            throw ApiErrors.NotFound("pairing code", "(not valid, used or expired)");
        }

        if (IsGuardian(connection, transaction, caller.Id, deviceId))
        {
            // Redeeming a code for one's own device would use up the code meant for someone else (and
            // used to cost the owner its ownership): refused, and the code stays valid.
            transaction.Commit();
            throw ApiErrors.AlreadyExists("you are already a guardian of this device; the code stays valid for the person it was meant for");
        }

        var owner = GuardianCount(connection, transaction, deviceId) == 0;
        if (owner && !IsBirthMonth(birthMonth))
        {
            throw ApiErrors.Invalid("child_birth_month", "the first guardian gives the child's birth month as YYYY-MM, not in the future");
        }

        UseCode(connection, transaction, codeHash, now);
        if (owner)
        {
            devices.SetChild(connection, transaction, deviceId, birthMonth);
            VoidCodes(connection, transaction, deviceId, now, CodeKind.Box);
        }

        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO guardians (device_id, guardian_id, owner, child_name, paired_at) VALUES ($d, $g, $o, $n, $at)";
            insert.Parameters.AddWithValue("$d", deviceId);
            insert.Parameters.AddWithValue("$g", caller.Id);
            insert.Parameters.AddWithValue("$o", owner ? 1 : 0);
            insert.Parameters.AddWithValue("$n", childName);
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
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        // Checked inside the write: a concurrent change of guardians cannot slip between check and delete.
        var callerIsOwner = IsOwner(connection, transaction, caller.Id, deviceId);
        if (!callerIsOwner && guardianId != caller.Id)
        {
            transaction.Rollback();
            denials.Record(caller, deviceId, "not-owner");
            throw ApiErrors.PermissionDenied("only the owning guardian removes other guardians");
        }

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

        VoidCodes(connection, transaction, deviceId, time.GetUtcNow().ToUnixTimeMilliseconds(), kind: null);
        audit.Append(connection, transaction, caller.AuditName, "pairing.remove", deviceId, beforeJson: AuditJson.Of(new { guardian = guardianId }));
        transaction.Commit();
        return (uint)(count - 1);
    }

    /// <summary>
    /// A new box code for a returned or resold unit: the previous family's guardians, settings and the
    /// child's details go, all older codes are void; audited with the reason.
    /// </summary>
    public (PairingCode Code, int GuardiansRemoved) Reissue(Caller caller, string deviceId, string reason)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var removed = RemoveAll(connection, transaction, deviceId);
        using (var forget = connection.CreateCommand())
        {
            forget.Transaction = transaction;
            forget.CommandText = "DELETE FROM guardian_settings WHERE device_id = $d; UPDATE devices SET child_birth_month = '' WHERE id = $d";
            forget.Parameters.AddWithValue("$d", deviceId);
            forget.ExecuteNonQuery();
        }

        var code = Insert(connection, transaction, deviceId, CodeKind.Box);
        audit.Append(connection, transaction, caller.AuditName, "pairing.reissue", deviceId, afterJson: AuditJson.Of(new { reason, guardiansRemoved = removed }));
        transaction.Commit();
        return (code, removed);
    }

    /// <summary>
    /// Removes every guardian and voids every code of the device, inside the caller's transaction (a
    /// returned unit, a decommissioned one); returns how many guardians there were.
    /// </summary>
    public int RemoveAll(SqliteConnection connection, SqliteTransaction transaction, string deviceId)
    {
        VoidCodes(connection, transaction, deviceId, time.GetUtcNow().ToUnixTimeMilliseconds(), kind: null);
        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM guardians WHERE device_id = $d";
        delete.Parameters.AddWithValue("$d", deviceId);
        return delete.ExecuteNonQuery();
    }

    public bool IsGuardian(string guardianId, string deviceId)
    {
        using var connection = database.Open();
        return IsGuardian(connection, null, guardianId, deviceId);
    }

    public bool IsOwner(string guardianId, string deviceId)
    {
        using var connection = database.Open();
        return IsOwner(connection, null, guardianId, deviceId);
    }

    /// <summary>A device the caller is not paired with answers like a missing one.</summary>
    public void RequireGuardian(Caller caller, string deviceId)
    {
        if (!caller.Has(Roles.Guardian) || !IsGuardian(caller.Id, deviceId))
        {
            denials.Record(caller, deviceId, devices.Find(deviceId) is null ? "unknown-device" : "not-paired");
            throw ApiErrors.NotFound("device", deviceId);
        }
    }

    private PairingCode Insert(SqliteConnection connection, SqliteTransaction? transaction, string deviceId, CodeKind kind)
    {
        var code = new string(Enumerable.Range(0, CodeLength).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)]).ToArray());
        DateTimeOffset? expires = kind == CodeKind.Guardian ? time.GetUtcNow().AddMinutes(options.Value.PairingCodeMinutes) : null;
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO pairing_codes (code_hash, device_id, expires_at, kind) VALUES ($hash, $device, $expires, $kind)";
        insert.Parameters.AddWithValue("$hash", HashCode(code));
        insert.Parameters.AddWithValue("$device", deviceId);
        insert.Parameters.AddWithValue("$expires", expires?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        insert.Parameters.AddWithValue("$kind", (int)kind);
        insert.ExecuteNonQuery();
        var result = new PairingCode { Code = code };
        if (expires is { } at)
        {
            result.ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at);
        }

        return result;
    }

    private static bool IsGuardian(SqliteConnection connection, SqliteTransaction? transaction, string guardianId, string deviceId) =>
        Exists(connection, transaction, "SELECT 1 FROM guardians WHERE device_id = $d AND guardian_id = $g", deviceId, guardianId);

    private static bool IsOwner(SqliteConnection connection, SqliteTransaction? transaction, string guardianId, string deviceId) =>
        Exists(connection, transaction, "SELECT 1 FROM guardians WHERE device_id = $d AND guardian_id = $g AND owner = 1", deviceId, guardianId);

    private static bool Exists(SqliteConnection connection, SqliteTransaction? transaction, string sql, string deviceId, string guardianId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$d", deviceId);
        command.Parameters.AddWithValue("$g", guardianId);
        return command.ExecuteScalar() is not null;
    }

    private static long CountRecentAttempts(SqliteConnection connection, SqliteTransaction transaction, string guardianId, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM pairing_attempts WHERE guardian_id = $g AND at > $since";
        command.Parameters.AddWithValue("$g", guardianId);
        command.Parameters.AddWithValue("$since", now - (long)AttemptWindow.TotalMilliseconds);
        return (long)command.ExecuteScalar()!;
    }

    private static string? FindCode(SqliteConnection connection, SqliteTransaction transaction, byte[] codeHash, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT device_id FROM pairing_codes WHERE code_hash = $hash AND used_at IS NULL AND expires_at > $now";
        command.Parameters.AddWithValue("$hash", codeHash);
        command.Parameters.AddWithValue("$now", now);
        return command.ExecuteScalar() as string;
    }

    private static void UseCode(SqliteConnection connection, SqliteTransaction transaction, byte[] codeHash, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE pairing_codes SET used_at = $now WHERE code_hash = $hash";
        command.Parameters.AddWithValue("$hash", codeHash);
        command.Parameters.AddWithValue("$now", now);
        command.ExecuteNonQuery();
    }

    // Voids the device's unused codes: of one kind, or all of them.
    private static void VoidCodes(SqliteConnection connection, SqliteTransaction transaction, string deviceId, long now, CodeKind? kind)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE pairing_codes SET used_at = $now WHERE device_id = $d AND used_at IS NULL AND ($kind < 0 OR kind = $kind)";
        command.Parameters.AddWithValue("$d", deviceId);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$kind", kind is { } k ? (int)k : -1);
        command.ExecuteNonQuery();
    }

    private static long GuardianCount(SqliteConnection connection, SqliteTransaction transaction, string deviceId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM guardians WHERE device_id = $d";
        command.Parameters.AddWithValue("$d", deviceId);
        return (long)command.ExecuteScalar()!;
    }

    private bool IsBirthMonth(string value) =>
        DateTime.TryParseExact(value, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
        && month.Year > 1990 && month <= time.GetUtcNow().UtcDateTime;

    private static byte[] HashCode(string code) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code));
}
