using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>What the quarantine did with an uplink.</summary>
public enum QuarantineOutcome
{
    /// <summary>Kept byte for byte.</summary>
    Kept,

    /// <summary>The same bytes were kept before.</summary>
    Duplicate,

    /// <summary>The device's quarantine is full: only counted (how many, how many bytes, the last reason).</summary>
    Counted,
}

/// <summary>
/// Uplinks the service cannot read or refuses, kept byte for byte in SQLite so that bad input loses
/// nothing and can be investigated. When the bytes still carry their sequence number (field 1, which
/// the device writes first), the uplink counts as received and is acknowledged like a stored one, so
/// one bad message cannot hold a device's outbox back forever. Identical resends are kept once; per
/// device at most <see cref="TelemetryOptions.QuarantineEntriesPerDevice"/> entries and
/// <see cref="TelemetryOptions.QuarantineBytesPerDevice"/> bytes are kept, the rest is counted, so a
/// device sending garbage cannot fill the disk.
/// </summary>
public sealed class UplinkQuarantine(Database database, IOptions<TelemetryOptions> options, TimeProvider time)
{
    private const int SequenceTag = (1 << 3) | (int)WireFormat.WireType.Varint;

    /// <summary>The sequence number at the start of an uplink that does not parse as a whole, or 0.</summary>
    public static ulong SalvageSequence(byte[] payload)
    {
        try
        {
            var input = new CodedInputStream(payload);
            return input.ReadTag() == SequenceTag ? input.ReadUInt64() : 0;
        }
        catch (InvalidProtocolBufferException)
        {
            return 0;
        }
    }

    /// <summary>Keeps the bytes with why they were refused, within the device's bounds.</summary>
    public QuarantineOutcome Keep(string deviceId, ulong sequence, string reason, byte[] payload)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var hash = Convert.ToHexStringLower(SHA256.HashData(payload));
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using (var existing = connection.CreateCommand())
        {
            existing.Transaction = transaction;
            existing.CommandText = """
                SELECT EXISTS (SELECT 1 FROM quarantined_uplinks WHERE device_id = $d AND payload_sha256 = $h),
                       COUNT(*), COALESCE(SUM(length(payload)), 0)
                FROM quarantined_uplinks WHERE device_id = $d
                """;
            existing.Parameters.AddWithValue("$d", deviceId);
            existing.Parameters.AddWithValue("$h", hash);
            using var reader = existing.ExecuteReader();
            reader.Read();
            if (reader.GetInt64(0) == 1)
            {
                return QuarantineOutcome.Duplicate;
            }

            var limits = options.Value;
            if (reader.GetInt64(1) + 1 > limits.QuarantineEntriesPerDevice || reader.GetInt64(2) + payload.Length > limits.QuarantineBytesPerDevice)
            {
                reader.Close();
                Count(connection, transaction, deviceId, payload.Length, reason, now);
                transaction.Commit();
                return QuarantineOutcome.Counted;
            }
        }

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO quarantined_uplinks (device_id, payload_sha256, sequence, reason, received_at, payload)
            VALUES ($d, $h, $s, $r, $at, $p)
            """;
        insert.Parameters.AddWithValue("$d", deviceId);
        insert.Parameters.AddWithValue("$h", hash);
        insert.Parameters.AddWithValue("$s", (long)sequence);
        insert.Parameters.AddWithValue("$r", reason);
        insert.Parameters.AddWithValue("$at", now);
        insert.Parameters.AddWithValue("$p", payload);
        insert.ExecuteNonQuery();
        transaction.Commit();
        return QuarantineOutcome.Kept;
    }

    private static void Count(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string deviceId, int bytes, string reason, long now)
    {
        using var count = connection.CreateCommand();
        count.Transaction = transaction;
        count.CommandText = """
            INSERT INTO quarantine_overflow (device_id, dropped, dropped_bytes, last_at, last_reason) VALUES ($d, 1, $b, $at, $r)
            ON CONFLICT (device_id) DO UPDATE SET dropped = dropped + 1, dropped_bytes = dropped_bytes + $b, last_at = $at, last_reason = $r
            """;
        count.Parameters.AddWithValue("$d", deviceId);
        count.Parameters.AddWithValue("$b", bytes);
        count.Parameters.AddWithValue("$at", now);
        count.Parameters.AddWithValue("$r", reason.Length > 500 ? reason[..500] : reason);
        count.ExecuteNonQuery();
    }
}
