using Microsoft.Data.Sqlite;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>
/// The database schema as ordered migrations, applied at start in one transaction each; the version
/// reached is kept in SQLite's <c>user_version</c>. A database newer than this code is refused rather
/// than written with an older idea of its tables. Version 1 is the schema from before versioning
/// (idempotent, so databases created then upgrade too).
/// </summary>
internal static class Schema
{
    private const string Version1 = """
        CREATE TABLE IF NOT EXISTS fleets (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            owner TEXT NOT NULL,
            profile_id TEXT NOT NULL,
            created_at INTEGER NOT NULL);

        CREATE TABLE IF NOT EXISTS models (
            id TEXT PRIMARY KEY,
            fleet_id TEXT NOT NULL REFERENCES fleets(id),
            name TEXT NOT NULL);

        CREATE TABLE IF NOT EXISTS baselines (
            fleet_id TEXT NOT NULL REFERENCES fleets(id),
            model_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            body BLOB NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (fleet_id, model_id));

        CREATE TABLE IF NOT EXISTS devices (
            id TEXT PRIMARY KEY,
            fleet_id TEXT NOT NULL REFERENCES fleets(id),
            model_id TEXT NOT NULL,
            serial TEXT NOT NULL UNIQUE,
            mqtt_password_hash BLOB NOT NULL,
            mqtt_password_salt BLOB NOT NULL,
            key_id INTEGER NOT NULL,
            policy_key BLOB NOT NULL,
            guardian_secret BLOB NOT NULL,
            child_birth_month TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS devices_by_fleet ON devices(fleet_id, model_id);

        CREATE TABLE IF NOT EXISTS pairing_codes (
            code_hash BLOB PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices(id),
            expires_at INTEGER NOT NULL,
            used_at INTEGER);

        CREATE TABLE IF NOT EXISTS pairing_attempts (
            guardian_id TEXT NOT NULL,
            at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS pairing_attempts_by_guardian ON pairing_attempts(guardian_id, at);

        CREATE TABLE IF NOT EXISTS guardians (
            device_id TEXT NOT NULL REFERENCES devices(id),
            guardian_id TEXT NOT NULL,
            owner INTEGER NOT NULL,
            child_name TEXT NOT NULL,
            paired_at INTEGER NOT NULL,
            PRIMARY KEY (device_id, guardian_id));

        CREATE TABLE IF NOT EXISTS guardian_settings (
            device_id TEXT PRIMARY KEY REFERENCES devices(id),
            revision INTEGER NOT NULL,
            body BLOB NOT NULL,
            updated_by TEXT NOT NULL,
            updated_at INTEGER NOT NULL);

        CREATE TABLE IF NOT EXISTS device_policies (
            device_id TEXT PRIMARY KEY REFERENCES devices(id),
            desired_version INTEGER NOT NULL,
            desired_at INTEGER NOT NULL,
            envelope BLOB NOT NULL,
            reported_version INTEGER NOT NULL DEFAULT 0,
            reported_at INTEGER,
            last_refusal INTEGER NOT NULL DEFAULT 0);

        CREATE TABLE IF NOT EXISTS rollouts (
            id TEXT PRIMARY KEY,
            fleet_id TEXT NOT NULL,
            total INTEGER NOT NULL,
            published INTEGER NOT NULL,
            state INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            completed_at INTEGER);

        CREATE TABLE IF NOT EXISTS uplink_watermarks (
            device_id TEXT PRIMARY KEY,
            stored_through INTEGER NOT NULL);

        CREATE TABLE IF NOT EXISTS regulation_profiles (
            id TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            seen_at INTEGER NOT NULL);

        CREATE TABLE IF NOT EXISTS quarantined_uplinks (
            device_id TEXT NOT NULL,
            payload_sha256 TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            reason TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            payload BLOB NOT NULL,
            PRIMARY KEY (device_id, payload_sha256));

        CREATE TABLE IF NOT EXISTS audit_log (
            sequence INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            before_json TEXT NOT NULL,
            after_json TEXT NOT NULL,
            hash TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS audit_by_subject ON audit_log(subject, sequence);
        """;

    // Security hardening: password hash scheme and decommissioning, keyed audit chain with signed
    // checkpoints, bounded quarantine, token revocation, box pairing codes, policy change detection.
    private const string Version2 = """
        ALTER TABLE devices ADD COLUMN mqtt_password_scheme INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE devices ADD COLUMN decommissioned_at INTEGER;
        ALTER TABLE audit_log ADD COLUMN hash_scheme INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE audit_checkpoints (
            sequence INTEGER PRIMARY KEY,
            head_hash TEXT NOT NULL,
            at INTEGER NOT NULL,
            signature BLOB NOT NULL);
        CREATE TABLE quarantine_overflow (
            device_id TEXT PRIMARY KEY,
            dropped INTEGER NOT NULL,
            dropped_bytes INTEGER NOT NULL,
            last_at INTEGER NOT NULL,
            last_reason TEXT NOT NULL);
        CREATE TABLE revoked_tokens (
            jti TEXT PRIMARY KEY,
            expires_at INTEGER NOT NULL);
        CREATE TABLE subject_revocations (
            subject TEXT PRIMARY KEY,
            not_before INTEGER NOT NULL);
        ALTER TABLE pairing_codes ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE device_policies ADD COLUMN input_hash BLOB;
        """;

    private static readonly string[] Migrations = [Version1, Version2];

    /// <summary>The schema version this code writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    public static void Apply(SqliteConnection connection)
    {
        var version = UserVersion(connection);
        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The state database is at schema version {version}, newer than this service knows ({CurrentVersion}); run the newer service or restore a backup.");
        }

        for (var next = version + 1; next <= CurrentVersion; next++)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Migrations[next - 1] + $"\nPRAGMA user_version = {next};";
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    private static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
