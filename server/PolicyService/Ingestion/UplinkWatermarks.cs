using Microsoft.Extensions.Caching.Memory;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Per device, the highest contiguous uplink sequence durably stored (design brief section 2), in the
/// state database so that a restart of the service neither re-stores nor forgets what devices sent.
/// Recently used watermarks are cached (a bounded number): a watermark only grows, so a cached value
/// is at worst low, and an uplink it lets through again is written again with the same point
/// timestamps, which InfluxDB overwrites: late, never wrong.
/// </summary>
public sealed class UplinkWatermarks(StateDatabase database, WatermarkStore store) : IDisposable
{
    private const int CachedDevices = 200_000;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CachedDevices });

    public async Task<ulong> GetAsync(string deviceId)
    {
        if (_cache.TryGetValue(deviceId, out ulong cached))
        {
            return cached;
        }

        ulong stored;
        await using (var session = await database.ReadAsync())
        {
            stored = await store.GetAsync(session, deviceId);
        }

        Remember(deviceId, stored);
        return stored;
    }

    /// <summary>Advances the watermarks of a batch's devices inside the caller's write session; <see cref="Remember"/> them after the commit.</summary>
    public Task AdvanceAsync(StateSession session, IReadOnlyDictionary<string, ulong> storedThrough) =>
        storedThrough.Count == 0 ? Task.CompletedTask : store.AdvanceAsync(session, storedThrough);

    /// <summary>
    /// Records, inside the caller's write session, each device's newest usage-complete claim among the
    /// heartbeats its watermark now covers (<see cref="ContiguousRun"/>): only then is every earlier uplink,
    /// and so every use before the claimed time, stored. A claim never lowers the recorded one.
    /// </summary>
    public Task RaiseUsageCompleteAsync(StateSession session, IReadOnlyDictionary<string, long> claims) =>
        store.RaiseUsageCompleteAsync(session, [.. claims]);

    /// <summary>Unix seconds before which the device's usage is all stored; 0 when not known.</summary>
    public async Task<long> UsageCompleteThroughAsync(string deviceId)
    {
        await using var session = await database.ReadAsync();
        return await store.UsageCompleteThroughAsync(session, deviceId);
    }

    /// <summary>Caches watermarks a committed transaction advanced.</summary>
    public void Remember(IReadOnlyDictionary<string, ulong> storedThrough)
    {
        foreach (var (deviceId, through) in storedThrough)
        {
            Remember(deviceId, through);
        }
    }

    public void Dispose() => _cache.Dispose();

    private void Remember(string deviceId, ulong through)
    {
        // Never lower a cached value: a read that raced with an advance may bring an older one.
        if (!_cache.TryGetValue(deviceId, out ulong cached) || through > cached)
        {
            _cache.Set(deviceId, through, new MemoryCacheEntryOptions { Size = 1 });
        }
    }
}
