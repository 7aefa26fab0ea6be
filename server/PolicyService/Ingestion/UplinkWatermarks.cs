using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Per device, the highest contiguous uplink sequence durably stored (design brief section 2), in the
/// state database so that a restart of the service neither re-stores nor forgets what devices sent.
/// </summary>
public sealed class UplinkWatermarks(StateDatabase database, WatermarkStore store)
{
    public async Task<ulong> GetAsync(string deviceId)
    {
        await using var session = await database.ReadAsync();
        return await store.GetAsync(session, deviceId);
    }

    public async Task SetAsync(string deviceId, ulong storedThrough)
    {
        await using var session = await database.OpenAsync();
        await store.AdvanceAsync(session, deviceId, storedThrough);
    }
}
