namespace SmartTerminal.Device.Core.Platform
{
    /// <summary>Receives usage and enforcement events (the usage ledger turns them into uplinks).</summary>
    public interface IEnforcementEventSink
    {
        /// <summary>
        /// Records one event. kind is an EnforcementEventKind number, reason a DecisionReason or
        /// PolicyRefusal number, subject and detail depend on the kind (see uplink.proto).
        /// </summary>
        void Record(long atUnix, int kind, int reason, uint subject, long detail);

        /// <summary>
        /// Seconds of counted (non-idle) use of an app of a category in the interval that ends at the
        /// trusted time atUnix (the use since the last accounting, or a reboot gap counted as use).
        /// </summary>
        void RecordUsage(long atUnix, int category, uint appId, uint seconds);
    }
}
