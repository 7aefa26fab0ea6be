namespace SmartTerminal.Device.Core.Messages
{
    /// <summary>Which payload an uplink envelope carries (the oneof "body").</summary>
    public enum UplinkBody
    {
        /// <summary>No payload.</summary>
        None = 0,

        /// <summary>A usage batch (field 10).</summary>
        Usage = 10,

        /// <summary>Enforcement events (field 11).</summary>
        Events = 11,

        /// <summary>A policy acknowledgement (field 12).</summary>
        PolicyAck = 12,

        /// <summary>A heartbeat (field 13).</summary>
        Heartbeat = 13,
    }

    /// <summary>smartterminal.device.v1.UsageRecord: seconds of use in one bucket.</summary>
    public sealed class UsageRecord
    {
        /// <summary>Bucket start, Unix seconds.</summary>
        public long BucketStartUnix;

        /// <summary>Bucket length in seconds.</summary>
        public uint BucketSeconds;

        /// <summary>AppCategory number.</summary>
        public int Category;

        /// <summary>App id, 0 for the category total.</summary>
        public uint AppId;

        /// <summary>Seconds used.</summary>
        public uint UsedSeconds;
    }

    /// <summary>smartterminal.device.v1.EnforcementEvent.</summary>
    public sealed class EnforcementEvent
    {
        /// <summary>When, Unix seconds (trusted-time estimate).</summary>
        public long AtUnix;

        /// <summary>EnforcementEventKind number.</summary>
        public int Kind;

        /// <summary>Reason code of a denial.</summary>
        public uint Reason;

        /// <summary>Subject (app id, category or code id).</summary>
        public uint Subject;

        /// <summary>Detail (minutes, seconds or a count).</summary>
        public long Detail;
    }

    /// <summary>smartterminal.device.v1.PolicyAck.</summary>
    public sealed class PolicyAck
    {
        /// <summary>Version now enforced.</summary>
        public ulong AppliedVersion;

        /// <summary>Version refused, 0 when none.</summary>
        public ulong RefusedVersion;

        /// <summary>PolicyRefusal number.</summary>
        public int Refusal;
    }

    /// <summary>smartterminal.device.v1.Heartbeat.</summary>
    public sealed class Heartbeat
    {
        /// <summary>Firmware version.</summary>
        public string FirmwareVersion;

        /// <summary>Policy version enforced.</summary>
        public ulong PolicyVersion;

        /// <summary>Bytes waiting in the outbox.</summary>
        public uint OutboxBytes;

        /// <summary>Messages waiting in the outbox.</summary>
        public uint OutboxMessages;

        /// <summary>ClockState number.</summary>
        public int ClockState;

        /// <summary>Seconds since boot.</summary>
        public uint UptimeSeconds;

        /// <summary>Free managed heap in bytes.</summary>
        public uint FreeHeapBytes;

        /// <summary>Unix seconds before which every use is in this or an earlier uplink; 0 when unknown.</summary>
        public long UsageCompleteThroughUnix;
    }
}
