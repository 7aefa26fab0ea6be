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

/// <summary>Power was cut: the write in progress stopped.</summary>
internal sealed class PowerCutException : Exception
{
}

/// <summary>
/// In-memory storage with the failure modes of flash: a power cut after any number of bytes
/// (an append is torn there; an atomic replace either happened or did not), and corruption.
/// </summary>
internal sealed class MemoryStorage : IStorage
{
    public Dictionary<string, byte[]> Files { get; } = new();

    public int Writes { get; private set; }

    public long BytesWritten { get; private set; }

    /// <summary>When set, the power is cut once this many more bytes have been written.</summary>
    public long? CutPowerAfterBytes { get; set; }

    /// <summary>Called before each atomic replace, to look at the device at that moment.</summary>
    public Action<string>? BeforeWrite { get; set; }

    public byte[] Read(string name) => Files.TryGetValue(name, out var data) ? data.ToArray() : null!;

    public void Write(string name, byte[] data, int count)
    {
        BeforeWrite?.Invoke(name);
        // Atomic replace (temporary file, then rename): all or nothing.
        Spend(count, out var allowed);
        if (allowed < count)
        {
            throw new PowerCutException();
        }

        Files[name] = data.AsSpan(0, count).ToArray();
        Writes++;
    }

    public void Delete(string name) => Files.Remove(name);

    public int Length(string name) => Files.TryGetValue(name, out var data) ? data.Length : -1;

    public int ReadAt(string name, int position, byte[] buffer, int offset, int count)
    {
        if (!Files.TryGetValue(name, out var data) || position >= data.Length)
        {
            return 0;
        }

        var n = Math.Min(count, data.Length - position);
        Array.Copy(data, position, buffer, offset, n);
        return n;
    }

    public void Append(string name, byte[] data, int offset, int count)
    {
        Spend(count, out var allowed);
        var existing = Files.TryGetValue(name, out var old) ? old : [];
        Files[name] = [.. existing, .. data.AsSpan(offset, allowed).ToArray()];
        Writes++;
        if (allowed < count)
        {
            throw new PowerCutException();
        }
    }

    public void Truncate(string name, int length)
    {
        if (Files.TryGetValue(name, out var data) && data.Length > length)
        {
            Files[name] = data[..length];
        }
    }

    private void Spend(int count, out int allowed)
    {
        allowed = count;
        if (CutPowerAfterBytes is { } budget)
        {
            allowed = (int)Math.Min(count, budget);
            CutPowerAfterBytes = budget - allowed;
            if (allowed < count)
            {
                CutPowerAfterBytes = null;
            }
        }

        BytesWritten += allowed;
    }
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

    public List<(long AtUnix, int Category, uint AppId, uint Seconds)> Usage { get; } = [];

    public void Record(long atUnix, int kind, int reason, uint subject, long detail) => Events.Add((atUnix, kind, reason, subject, detail));

    public void RecordUsage(long atUnix, int category, uint appId, uint seconds) => Usage.Add((atUnix, category, appId, seconds));

    public int Count(int kind) => Events.Count(e => e.Kind == kind);
}
