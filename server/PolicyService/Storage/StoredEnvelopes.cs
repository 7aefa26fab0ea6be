using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>The current signed policy of every device, as stored: the source of the retained messages.</summary>
public sealed class StoredEnvelopes(StateDatabase database, DevicePolicyStore store)
{
    public async Task<IReadOnlyList<(string DeviceId, byte[] Envelope)>> AllAsync()
    {
        await using var session = await database.ReadAsync();
        return await store.EnvelopesAsync(session);
    }
}
