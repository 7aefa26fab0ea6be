using Microsoft.Extensions.Caching.Memory;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// The fleet of each device, cached (a device never changes fleet). Telemetry tags every point with it
/// so that a fleet's compliance queries read that fleet's series only, not every device's. The cache
/// holds the devices seen recently, a bounded number, not every device of a fleet of millions.
/// </summary>
public sealed class DeviceFleets(StateDatabase database, DeviceStore store) : IDisposable
{
    private const int CachedDevices = 200_000;

    // How long a replica may go on accepting uplinks of a device another replica decommissioned (this
    // replica forgets it at once): a login that outlived its removal from the broker writes nothing after.
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);

    private readonly MemoryCache _devices = new(new MemoryCacheOptions { SizeLimit = CachedDevices });

    /// <summary>The device's fleet id, or null for a device the registry does not know or that was decommissioned.</summary>
    public async Task<string?> OfAsync(string deviceId) => (await FindAsync(deviceId))?.FleetId;

    /// <summary>When the device was registered (no telemetry can predate it), or null when unknown.</summary>
    public async Task<DateTimeOffset?> RegisteredAtAsync(string deviceId) => (await FindAsync(deviceId))?.RegisteredAt;

    /// <summary>A device decommissioned here: its uplinks are ignored from now on.</summary>
    public void Forget(string deviceId) => _devices.Remove(deviceId);

    public void Dispose() => _devices.Dispose();

    private async Task<(string FleetId, DateTimeOffset RegisteredAt)?> FindAsync(string deviceId)
    {
        if (_devices.TryGetValue(deviceId, out (string FleetId, DateTimeOffset RegisteredAt) known))
        {
            return known;
        }

        await using var session = await database.ReadAsync();
        if (await store.FleetOfAsync(session, deviceId) is not { } found)
        {
            return null;
        }

        _devices.Set(deviceId, found, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Remembered });
        return found;
    }
}
