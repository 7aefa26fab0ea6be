using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// A token bucket per device: each uplink takes a token, tokens come back at
/// <see cref="IngestOptions.DeviceUplinksPerSecond"/> up to <see cref="IngestOptions.DeviceBurst"/>. A
/// device over its quota is told how long to wait (the embedded broker then holds that device's
/// session for that long, so a flooding device slows itself down and no one else), or, on a shared
/// connection, has the uplink passed over.
/// </summary>
public sealed class DeviceQuota(IOptions<IngestOptions> options, TimeProvider time)
{
    // Buckets idle long enough to be full again carry no information: dropped now and then so the
    // table holds the devices active recently, not every device ever seen.
    private const int SweepEvery = 100_000;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private int _untilSweep = SweepEvery;

    /// <summary>Takes a token for one uplink of the device; the time it must wait first (zero within its quota).</summary>
    public TimeSpan Reserve(string deviceId)
    {
        var rate = options.Value.DeviceUplinksPerSecond;
        var bucket = Refilled(deviceId);
        lock (bucket)
        {
            bucket.Tokens -= 1;
            return bucket.Tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-bucket.Tokens / rate);
        }
    }

    /// <summary>
    /// Takes a token only if the device has one now: where the caller cannot make the device wait
    /// (one connection carries every device's uplinks), an uplink over the quota is passed over instead.
    /// </summary>
    public bool TryTake(string deviceId)
    {
        var bucket = Refilled(deviceId);
        lock (bucket)
        {
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    private Bucket Refilled(string deviceId)
    {
        if (Interlocked.Decrement(ref _untilSweep) <= 0)
        {
            Interlocked.Exchange(ref _untilSweep, SweepEvery);
            Sweep();
        }

        var rate = options.Value.DeviceUplinksPerSecond;
        var burst = options.Value.DeviceBurst;
        var at = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(deviceId, _ => new Bucket(burst, at));
        lock (bucket)
        {
            var elapsed = time.GetElapsedTime(bucket.At, at).TotalSeconds;
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (elapsed * rate));
            bucket.At = at;
        }

        return bucket;
    }

    private void Sweep()
    {
        var now = time.GetTimestamp();
        var refill = TimeSpan.FromSeconds(options.Value.DeviceBurst / options.Value.DeviceUplinksPerSecond);
        foreach (var (deviceId, bucket) in _buckets)
        {
            if (time.GetElapsedTime(bucket.At, now) > refill)
            {
                _buckets.TryRemove(deviceId, out _);
            }
        }
    }

    private sealed class Bucket(double tokens, long at)
    {
        public double Tokens { get; set; } = tokens;

        public long At { get; set; } = at;
    }
}
