namespace SmartTerminal.Device.Core.Time
{
    /// <summary>How far the device trusts its time estimate (same numbers as smartterminal.device.v1.ClockState).</summary>
    public enum ClockState
    {
        /// <summary>No trusted sync since boot: the estimate is a lower bound (last known time plus time since boot).</summary>
        Untrusted = 0,

        /// <summary>A trusted sync since boot, extrapolated with the monotonic clock.</summary>
        Trusted = 1,

        /// <summary>The last trusted sync is older than a day; still used.</summary>
        Stale = 2,
    }
}
