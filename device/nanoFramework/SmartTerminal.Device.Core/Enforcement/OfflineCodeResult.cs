namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>Outcome of typing an offline guardian code.</summary>
    public enum OfflineCodeResult
    {
        /// <summary>Accepted and applied.</summary>
        Accepted = 0,

        /// <summary>Wrong, expired, or not for this device.</summary>
        Invalid = 1,

        /// <summary>A valid code that was already redeemed.</summary>
        AlreadyUsed = 2,

        /// <summary>Too many wrong codes recently: try again later.</summary>
        Locked = 3,

        /// <summary>No policy on the device.</summary>
        NoPolicy = 4,
    }
}
