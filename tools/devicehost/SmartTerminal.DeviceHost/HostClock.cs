using System.Diagnostics;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// A device's two clocks on .NET: real time, or virtual time running <see cref="Speed"/> times faster
/// (a week in minutes), or fully manual for tests. The monotonic clock restarts at every boot.
/// </summary>
public sealed class HostClock : IDeviceClock
{
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private long _wallAtBootMs;
    private long _manualMs;

    public HostClock(long wallUnixMs, double speed)
    {
        _wallAtBootMs = wallUnixMs;
        Speed = speed;
    }

    /// <summary>Virtual seconds per real second; 0 = manual (only <see cref="Advance"/> moves time).</summary>
    public double Speed { get; }

    public long MonotonicMs => Speed == 0 ? _manualMs : (long)(_stopwatch.ElapsedMilliseconds * Speed);

    public long WallClockUnixMs => _wallAtBootMs + MonotonicMs;

    public void Advance(TimeSpan elapsed) => _manualMs += (long)elapsed.TotalMilliseconds;

    /// <summary>A boot: monotonic time restarts; the RTC keeps the wall time.</summary>
    public void Reboot()
    {
        _wallAtBootMs = WallClockUnixMs;
        _manualMs = 0;
        _stopwatch.Restart();
    }
}
