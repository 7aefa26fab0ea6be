using System.Collections.Concurrent;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// The fleet of each device, cached (a device never changes fleet). Telemetry tags every point with it
/// so that a fleet's compliance queries read that fleet's series only, not every device's.
/// </summary>
public sealed class DeviceFleets(Database database)
{
    private readonly ConcurrentDictionary<string, (string FleetId, DateTimeOffset RegisteredAt)> _devices = new(StringComparer.Ordinal);

    /// <summary>The device's fleet id, or null for a device the registry does not know.</summary>
    public string? Of(string deviceId) => Find(deviceId)?.FleetId;

    /// <summary>When the device was registered (no telemetry can predate it), or null when unknown.</summary>
    public DateTimeOffset? RegisteredAt(string deviceId) => Find(deviceId)?.RegisteredAt;

    private (string FleetId, DateTimeOffset RegisteredAt)? Find(string deviceId)
    {
        if (_devices.TryGetValue(deviceId, out var known))
        {
            return known;
        }

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT fleet_id, created_at FROM devices WHERE id = $d";
        command.Parameters.AddWithValue("$d", deviceId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var found = (reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
        _devices[deviceId] = found;
        return found;
    }
}
