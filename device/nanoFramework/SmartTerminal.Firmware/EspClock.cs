using System;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Firmware
{
    /// <summary>The ESP32's clocks: the RTC (set by SNTP, wrong after a power-on reset) and ticks since boot.</summary>
    internal sealed class EspClock : IDeviceClock
    {
        public long WallClockUnixMs
        {
            // nanoFramework's DateTime is UTC only; UnixEpoch is in its mscorlib (a Kind argument is not).
            get { return (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond; }
        }

        public long MonotonicMs
        {
            // Environment.TickCount64 comes from nanoFramework.Runtime.Native, not from mscorlib.
            get { return Environment.TickCount64; }
        }
    }
}
