using System.Security.Cryptography;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>The device's two clocks, under the test's control.</summary>
internal sealed class FakeDeviceClock : IDeviceClock
{
    public long WallClockUnixMs { get; set; }

    public long MonotonicMs { get; set; }

    /// <summary>What time it really is (tests only: the device never sees it).</summary>
    public long TrueUnixMs { get; set; }

    /// <summary>Real time passes: both clocks advance.</summary>
    public void Advance(TimeSpan elapsed)
    {
        WallClockUnixMs += (long)elapsed.TotalMilliseconds;
        MonotonicMs += (long)elapsed.TotalMilliseconds;
        TrueUnixMs += (long)elapsed.TotalMilliseconds;
    }

    /// <summary>A boot: the monotonic clock restarts; after a power-on reset the RTC restarts near 1970.</summary>
    public void Boot(bool rtcLost)
    {
        MonotonicMs = 0;
        if (rtcLost)
        {
            WallClockUnixMs = 5_000;
        }
    }
}

/// <summary>In-memory storage with the failure modes of flash: torn writes and corruption.</summary>
internal sealed class MemoryStorage : IStorage
{
    public Dictionary<string, byte[]> Files { get; } = new();

    public int Writes { get; private set; }

    public long BytesWritten { get; private set; }

    public byte[] Read(string name) => Files.TryGetValue(name, out var data) ? data.ToArray() : null!;

    public void Write(string name, byte[] data, int count)
    {
        Files[name] = data.AsSpan(0, count).ToArray();
        Writes++;
        BytesWritten += count;
    }

    public void Delete(string name) => Files.Remove(name);
}

/// <summary>HMAC-SHA256 from .NET, as the .NET device host supplies it.</summary>
internal sealed class DotNetHmac : IHmacSha256
{
    public void Compute(byte[] key, byte[] data, int offset, int count, byte[] output) =>
        HMACSHA256.HashData(key, data.AsSpan(offset, count), output);
}

/// <summary>Keeps every event the engine reports.</summary>
internal sealed class RecordingEventSink : IEnforcementEventSink
{
    public List<(long AtUnix, int Kind, int Reason, uint Subject, long Detail)> Events { get; } = [];

    public void Record(long atUnix, int kind, int reason, uint subject, long detail) => Events.Add((atUnix, kind, reason, subject, detail));

    public int Count(int kind) => Events.Count(e => e.Kind == kind);
}
