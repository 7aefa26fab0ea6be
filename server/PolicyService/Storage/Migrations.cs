namespace SmartTerminal.PolicyService.Storage;

/// <summary>One step of the schema: the same tables on both engines, in each engine's DDL.</summary>
public sealed record Migration(int Version, string Sqlite, string Postgres);

/// <summary>
/// The state database's schema as ordered migrations, applied at start (each in one transaction); a
/// database newer than this code is refused rather than written with an older idea of its tables. The
/// engines differ only in types (INTEGER/BIGINT, BLOB/BYTEA): every integer is 64-bit on both, so a row
/// reads back with the same .NET types whichever engine stored it. Version 1 is the schema from before
/// versioning (idempotent, so SQLite databases created then upgrade too).
/// </summary>
public static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, Sqlite: """
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
        """, Postgres: """
        CREATE TABLE IF NOT EXISTS fleets (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            owner TEXT NOT NULL,
            profile_id TEXT NOT NULL,
            created_at BIGINT NOT NULL);

        CREATE TABLE IF NOT EXISTS models (
            id TEXT PRIMARY KEY,
            fleet_id TEXT NOT NULL REFERENCES fleets(id),
            name TEXT NOT NULL);

        CREATE TABLE IF NOT EXISTS baselines (
            fleet_id TEXT NOT NULL REFERENCES fleets(id),
            model_id TEXT NOT NULL,
            revision BIGINT NOT NULL,
            body BYTEA NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (fleet_id, model_id));

        CREATE TABLE IF NOT EXISTS devices (
            id TEXT PRIMARY KEY,
            fleet_id TEXT NOT NULL REFERENCES fleets(id),
            model_id TEXT NOT NULL,
            serial TEXT NOT NULL UNIQUE,
            mqtt_password_hash BYTEA NOT NULL,
            mqtt_password_salt BYTEA NOT NULL,
            key_id BIGINT NOT NULL,
            policy_key BYTEA NOT NULL,
            guardian_secret BYTEA NOT NULL,
            child_birth_month TEXT NOT NULL DEFAULT '',
            created_at BIGINT NOT NULL);
        CREATE INDEX IF NOT EXISTS devices_by_fleet ON devices(fleet_id, model_id);

        CREATE TABLE IF NOT EXISTS pairing_codes (
            code_hash BYTEA PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices(id),
            expires_at BIGINT NOT NULL,
            used_at BIGINT);

        CREATE TABLE IF NOT EXISTS pairing_attempts (
            guardian_id TEXT NOT NULL,
            at BIGINT NOT NULL);
        CREATE INDEX IF NOT EXISTS pairing_attempts_by_guardian ON pairing_attempts(guardian_id, at);

        CREATE TABLE IF NOT EXISTS guardians (
            device_id TEXT NOT NULL REFERENCES devices(id),
            guardian_id TEXT NOT NULL,
            owner BIGINT NOT NULL,
            child_name TEXT NOT NULL,
            paired_at BIGINT NOT NULL,
            PRIMARY KEY (device_id, guardian_id));

        CREATE TABLE IF NOT EXISTS guardian_settings (
            device_id TEXT PRIMARY KEY REFERENCES devices(id),
            revision BIGINT NOT NULL,
            body BYTEA NOT NULL,
            updated_by TEXT NOT NULL,
            updated_at BIGINT NOT NULL);

        CREATE TABLE IF NOT EXISTS device_policies (
            device_id TEXT PRIMARY KEY REFERENCES devices(id),
            desired_version BIGINT NOT NULL,
            desired_at BIGINT NOT NULL,
            envelope BYTEA NOT NULL,
            reported_version BIGINT NOT NULL DEFAULT 0,
            reported_at BIGINT,
            last_refusal BIGINT NOT NULL DEFAULT 0);

        CREATE TABLE IF NOT EXISTS rollouts (
            id TEXT PRIMARY KEY,
            fleet_id TEXT NOT NULL,
            total BIGINT NOT NULL,
            published BIGINT NOT NULL,
            state BIGINT NOT NULL,
            started_at BIGINT NOT NULL,
            completed_at BIGINT);

        CREATE TABLE IF NOT EXISTS uplink_watermarks (
            device_id TEXT PRIMARY KEY,
            stored_through BIGINT NOT NULL);

        CREATE TABLE IF NOT EXISTS regulation_profiles (
            id TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            seen_at BIGINT NOT NULL);

        CREATE TABLE IF NOT EXISTS quarantined_uplinks (
            device_id TEXT NOT NULL,
            payload_sha256 TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            reason TEXT NOT NULL,
            received_at BIGINT NOT NULL,
            payload BYTEA NOT NULL,
            PRIMARY KEY (device_id, payload_sha256));

        CREATE TABLE IF NOT EXISTS audit_log (
            sequence BIGINT PRIMARY KEY,
            at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            before_json TEXT NOT NULL,
            after_json TEXT NOT NULL,
            hash TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS audit_by_subject ON audit_log(subject, sequence);
        """),

        // Security hardening: password hash scheme and decommissioning, keyed audit chain with signed
        // checkpoints, bounded quarantine, token revocation, box pairing codes, policy change detection.
        new(2, Sqlite: """
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
        """, Postgres: """
        ALTER TABLE devices ADD COLUMN IF NOT EXISTS mqtt_password_scheme BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE devices ADD COLUMN IF NOT EXISTS decommissioned_at BIGINT;
        ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS hash_scheme BIGINT NOT NULL DEFAULT 0;
        CREATE TABLE audit_checkpoints (
            sequence BIGINT PRIMARY KEY,
            head_hash TEXT NOT NULL,
            at BIGINT NOT NULL,
            signature BYTEA NOT NULL);
        CREATE TABLE quarantine_overflow (
            device_id TEXT PRIMARY KEY,
            dropped BIGINT NOT NULL,
            dropped_bytes BIGINT NOT NULL,
            last_at BIGINT NOT NULL,
            last_reason TEXT NOT NULL);
        CREATE TABLE revoked_tokens (
            jti TEXT PRIMARY KEY,
            expires_at BIGINT NOT NULL);
        CREATE TABLE subject_revocations (
            subject TEXT PRIMARY KEY,
            not_before BIGINT NOT NULL);
        ALTER TABLE pairing_codes ADD COLUMN IF NOT EXISTS kind BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE device_policies ADD COLUMN IF NOT EXISTS input_hash BYTEA;
        """),

        // 3: the device's MQTT password, encrypted like its keys, for brokers that keep logins of their
        // own (Mosquitto's dynamic security): a login the broker lost is restored from here.
        new(3, Sqlite: """
        ALTER TABLE devices ADD COLUMN broker_password BLOB;
        """, Postgres: """
        ALTER TABLE devices ADD COLUMN IF NOT EXISTS broker_password BYTEA;
        """),

        // 4: uplinks stored above a gap in the device's sequence, shared by every replica (with an
        // external broker any replica may receive any uplink; design brief section 6), and the uplink
        // sequence of the last policy report, so a late report cannot overwrite a newer one.
        new(4, Sqlite: """
        CREATE TABLE uplink_stored_ahead (
            device_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            PRIMARY KEY (device_id, sequence));
        ALTER TABLE device_policies ADD COLUMN reported_sequence INTEGER NOT NULL DEFAULT 0;
        """, Postgres: """
        CREATE TABLE IF NOT EXISTS uplink_stored_ahead (
            device_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            PRIMARY KEY (device_id, sequence));
        ALTER TABLE device_policies ADD COLUMN IF NOT EXISTS reported_sequence BIGINT NOT NULL DEFAULT 0;
        """),

        // 5: rollouts as batches in the database that any replica can claim under a lease (design brief
        // section 6): a batch is a range of device ids, so a rollout of a million devices is two thousand
        // small rows. The fencing token grows with every claim; only the holder of the current token can
        // complete the batch. The rollout keeps its model filter and counts what is left.
        new(5, Sqlite: """
        CREATE TABLE rollout_batches (
            rollout_id TEXT NOT NULL,
            batch INTEGER NOT NULL,
            first_device_id TEXT NOT NULL,
            last_device_id TEXT NOT NULL,
            queued_at INTEGER NOT NULL,
            done INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_until INTEGER NOT NULL DEFAULT 0,
            fencing_token INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (rollout_id, batch));
        CREATE INDEX rollout_batches_pending ON rollout_batches(queued_at, rollout_id, batch) WHERE done = 0;
        ALTER TABLE rollouts ADD COLUMN model_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE rollouts ADD COLUMN failed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE rollouts ADD COLUMN batches_left INTEGER NOT NULL DEFAULT 0;
        """, Postgres: """
        CREATE TABLE IF NOT EXISTS rollout_batches (
            rollout_id TEXT NOT NULL,
            batch BIGINT NOT NULL,
            first_device_id TEXT NOT NULL,
            last_device_id TEXT NOT NULL,
            queued_at BIGINT NOT NULL,
            done BIGINT NOT NULL DEFAULT 0,
            attempts BIGINT NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_until BIGINT NOT NULL DEFAULT 0,
            fencing_token BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (rollout_id, batch));
        CREATE INDEX IF NOT EXISTS rollout_batches_pending ON rollout_batches(queued_at, rollout_id, batch) WHERE done = 0;
        ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS model_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS failed BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS batches_left BIGINT NOT NULL DEFAULT 0;
        """),

        // 6: fingerprints of the keys kept outside the database (secrets, token signing, audit chain), so
        // a replica started with other keys than the ones the database was written with refuses to start.
        new(6, Sqlite: """
        CREATE TABLE key_fingerprints (
            name TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            first_seen_at INTEGER NOT NULL);
        """, Postgres: """
        CREATE TABLE IF NOT EXISTS key_fingerprints (
            name TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            first_seen_at BIGINT NOT NULL);
        """),

        // 7: a rollout remembers the baseline revision that started it, and a fleet's rollouts are read
        // newest first (the console's rollout list).
        new(7, Sqlite: """
        ALTER TABLE rollouts ADD COLUMN baseline_revision INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX rollouts_by_fleet ON rollouts (fleet_id, started_at);
        """, Postgres: """
        ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS baseline_revision BIGINT NOT NULL DEFAULT 0;
        CREATE INDEX IF NOT EXISTS rollouts_by_fleet ON rollouts (fleet_id, started_at);
        """),

        // 8: with the watermark, the time before which the device's usage is all stored (from its
        // heartbeats at or below the watermark), so guardians can tell a quiet day from a late upload.
        new(8, Sqlite: """
        ALTER TABLE uplink_watermarks ADD COLUMN usage_complete_through INTEGER NOT NULL DEFAULT 0;
        """, Postgres: """
        ALTER TABLE uplink_watermarks ADD COLUMN IF NOT EXISTS usage_complete_through BIGINT NOT NULL DEFAULT 0;
        """),

        // 9: the firmware version each device last reported in a heartbeat, for the fleet's firmware view.
        new(9, Sqlite: """
        ALTER TABLE device_policies ADD COLUMN firmware TEXT;
        """, Postgres: """
        ALTER TABLE device_policies ADD COLUMN IF NOT EXISTS firmware TEXT;
        """),

        // 10: a heartbeat stored above a gap keeps its usage-complete claim until the gap closes (batches
        // finish out of order, and with an external broker another replica may close the gap).
        new(10, Sqlite: """
        ALTER TABLE uplink_stored_ahead ADD COLUMN usage_complete_through INTEGER NOT NULL DEFAULT 0;
        """, Postgres: """
        ALTER TABLE uplink_stored_ahead ADD COLUMN IF NOT EXISTS usage_complete_through BIGINT NOT NULL DEFAULT 0;
        """),

        // 11: what children asked for on the watch (NEEDS_GUARDIAN events), the guardians' inbox. At most
        // one waiting request per device, reason and subject (the partial unique index): asking again
        // counts a repeat. State 1 waiting, 2 approved, 3 declined, 4 lapsed.
        new(11, Sqlite: """
        CREATE TABLE child_requests (
            request_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            reason INTEGER NOT NULL,
            subject INTEGER NOT NULL,
            asked_at INTEGER NOT NULL,
            last_asked_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            minutes INTEGER NOT NULL,
            repeats INTEGER NOT NULL DEFAULT 0,
            state INTEGER NOT NULL,
            answered_by TEXT,
            answered_at INTEGER,
            granted_minutes INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX child_requests_device ON child_requests (device_id, asked_at);
        CREATE UNIQUE INDEX child_requests_waiting ON child_requests (device_id, reason, subject) WHERE state = 1;
        """, Postgres: """
        CREATE TABLE IF NOT EXISTS child_requests (
            request_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            reason INTEGER NOT NULL,
            subject BIGINT NOT NULL,
            asked_at BIGINT NOT NULL,
            last_asked_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            minutes INTEGER NOT NULL,
            repeats INTEGER NOT NULL DEFAULT 0,
            state INTEGER NOT NULL,
            answered_by TEXT,
            answered_at BIGINT,
            granted_minutes INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS child_requests_device ON child_requests (device_id, asked_at);
        CREATE UNIQUE INDEX IF NOT EXISTS child_requests_waiting ON child_requests (device_id, reason, subject) WHERE state = 1;
        """),
    ];

    /// <summary>The schema version this code writes.</summary>
    public static int CurrentVersion => All.Count;
}
