using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// Per device, the highest contiguous uplink sequence durably stored (design brief section 2), in
/// SQLite so that a restart of the service neither re-stores nor forgets what devices sent.
/// </summary>
public sealed class UplinkWatermarks(Database database)
{
    public ulong Get(string deviceId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT stored_through FROM uplink_watermarks WHERE device_id = $d";
        command.Parameters.AddWithValue("$d", deviceId);
        return (ulong)((command.ExecuteScalar() as long?) ?? 0);
    }

    public void Set(string deviceId, ulong storedThrough)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO uplink_watermarks (device_id, stored_through) VALUES ($d, $s)
            ON CONFLICT(device_id) DO UPDATE SET stored_through = MAX(stored_through, $s)
            """;
        command.Parameters.AddWithValue("$d", deviceId);
        command.Parameters.AddWithValue("$s", (long)storedThrough);
        command.ExecuteNonQuery();
    }
}
