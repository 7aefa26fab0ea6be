using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// The age band of every device's child in a fleet, as its regulation profile defines the bands: what
/// compliance aggregates group by. A device whose child's birth month is unknown counts in the youngest
/// band, the strictest one.
/// </summary>
public sealed class FleetAgeBands(StateDatabase database, DeviceStore devices, RegulationProfiles profiles, TimeProvider time)
{
    public async Task<IReadOnlyDictionary<string, int>> OfAsync(string fleetId, string profileId)
    {
        var profile = profiles.Find(profileId)!;
        var today = time.GetUtcNow().UtcDateTime;
        await using var session = await database.ReadAsync();
        var bands = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (deviceId, birthMonth) in await devices.BirthMonthsAsync(session, fleetId))
        {
            bands[deviceId] = RegulationProfiles.BandIndex(profile, ChildAge.From(birthMonth, today));
        }

        return bands;
    }
}
