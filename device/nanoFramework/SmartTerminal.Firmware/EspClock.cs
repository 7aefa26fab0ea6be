using System;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Firmware
{
    /// <summary>The ESP32's clocks: the RTC (set by SNTP, wrong after a power-on reset) and ticks since boot.</summary>
    internal sealed class EspClock : IDeviceClock
    {
        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        public long WallClockUnixMs
        {
            get { return (DateTime.UtcNow - Epoch).Ticks / TimeSpan.TicksPerMillisecond; }
        }

        public long MonotonicMs
        {
            get { return Environment.TickCount64; }
        }
    }
}
