namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>EnforcementEventKind numbers of uplink.proto, as constants for the event sink.</summary>
    public static class EventKinds
    {
        /// <summary>A request was denied.</summary>
        public const int Denied = 1;

        /// <summary>A request needs guardian approval.</summary>
        public const int NeedsGuardian = 2;

        /// <summary>The wall clock jumped without a trusted sync (detail = seconds).</summary>
        public const int ClockTamper = 3;

        /// <summary>A policy was refused (reason = PolicyRefusal, detail = version).</summary>
        public const int PolicyRefused = 4;

        /// <summary>An offline code was redeemed (subject = grant, detail = minutes).</summary>
        public const int CodeRedeemed = 5;

        /// <summary>An offline code was refused (reason = OfflineCodeResult).</summary>
        public const int CodeRefused = 6;

        /// <summary>An online extension was applied (detail = minutes).</summary>
        public const int ExtensionApplied = 7;

        /// <summary>The device rebooted while an activity ran; the unknown gap was counted (detail = seconds).</summary>
        public const int RebootGap = 9;

        /// <summary>The persisted state was damaged (detail 1: older save used; 0: today treated as used up).</summary>
        public const int StateCorrupt = 10;

        /// <summary>A continuous-use rest was reminded (detail 0) or forced (detail = break minutes).</summary>
        public const int Rest = 11;
    }
}
