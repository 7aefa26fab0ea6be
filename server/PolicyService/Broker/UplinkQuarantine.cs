using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// Uplinks the service cannot read, kept byte for byte in SQLite so that bad input loses nothing and
/// can be investigated. When the damaged bytes still carry their sequence number (field 1, which the
/// device writes first), the uplink counts as received and is acknowledged like a stored one, so one
/// bad message cannot hold a device's outbox back forever. Identical resends are kept once.
/// </summary>
public sealed class UplinkQuarantine(Database database, TimeProvider time)
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

    /// <summary>Keeps the bytes with why they were refused; false when the same bytes were kept before.</summary>
    public bool Keep(string deviceId, ulong sequence, string reason, byte[] payload)
    {
        using var connection = database.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT OR IGNORE INTO quarantined_uplinks (device_id, payload_sha256, sequence, reason, received_at, payload)
            VALUES ($d, $h, $s, $r, $at, $p)
            """;
        insert.Parameters.AddWithValue("$d", deviceId);
        insert.Parameters.AddWithValue("$h", Convert.ToHexStringLower(SHA256.HashData(payload)));
        insert.Parameters.AddWithValue("$s", (long)sequence);
        insert.Parameters.AddWithValue("$r", reason);
        insert.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$p", payload);
        return insert.ExecuteNonQuery() == 1;
    }
}
