using System.Collections.Concurrent;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// The fleet of each device, cached (a device never changes fleet). Telemetry tags every point with it
/// so that a fleet's compliance queries read that fleet's series only, not every device's.
/// </summary>
public sealed class DeviceFleets(Database database)
{
    private readonly ConcurrentDictionary<string, string> _fleets = new(StringComparer.Ordinal);

    /// <summary>The device's fleet id, or null for a device the registry does not know.</summary>
    public string? Of(string deviceId)
    {
        if (_fleets.TryGetValue(deviceId, out var fleetId))
        {
            return fleetId;
        }

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT fleet_id FROM devices WHERE id = $d";
        command.Parameters.AddWithValue("$d", deviceId);
        if (command.ExecuteScalar() is not string found)
        {
            return null;
        }

        _fleets[deviceId] = found;
        return found;
    }
}
