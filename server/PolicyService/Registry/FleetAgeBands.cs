using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// The age band of every device's child in a fleet, as its regulation profile defines the bands: what
/// compliance aggregates group by. A device whose child's birth month is unknown counts in the youngest
/// band, the strictest one.
/// </summary>
public sealed class FleetAgeBands(Database database, RegulationProfiles profiles, TimeProvider time)
{
    public IReadOnlyDictionary<string, int> Of(string fleetId, string profileId)
    {
        var profile = profiles.Find(profileId)!;
        var today = time.GetUtcNow().UtcDateTime;
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, child_birth_month FROM devices WHERE fleet_id = $f";
        command.Parameters.AddWithValue("$f", fleetId);
        using var reader = command.ExecuteReader();
        var bands = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            bands[reader.GetString(0)] = RegulationProfiles.BandIndex(profile, ChildAge.From(reader.GetString(1), today));
        }

        return bands;
    }
}
