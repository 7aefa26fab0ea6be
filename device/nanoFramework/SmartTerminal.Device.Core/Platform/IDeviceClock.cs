namespace SmartTerminal.Device.Core.Platform
{
    /// <summary>The two clocks the hardware gives. Neither is trusted on its own (design brief section 4).</summary>
    public interface IDeviceClock
    {
        /// <summary>The wall clock (RTC), Unix milliseconds. May be wrong, near 1970 after power-on, or changed by the child.</summary>
        long WallClockUnixMs { get; }

        /// <summary>Milliseconds since boot. Never jumps, restarts at 0 on every boot.</summary>
        long MonotonicMs { get; }
    }
}
