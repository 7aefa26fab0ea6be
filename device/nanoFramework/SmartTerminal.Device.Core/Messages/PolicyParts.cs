namespace SmartTerminal.Device.Core.Messages
{
    /// <summary>smartterminal.device.v1.CategoryBudget.</summary>
    public sealed class CategoryBudget
    {
        /// <summary>AppCategory number.</summary>
        public int Category;

        /// <summary>Daily minutes (ignored when <see cref="Unlimited"/>).</summary>
        public uint DailyMinutes;

        /// <summary>The category has no own limit.</summary>
        public bool Unlimited;

        /// <summary>Use in this category does not count against the daily total.</summary>
        public bool ExemptFromDailyTotal;
    }

    /// <summary>smartterminal.device.v1.TimeWindow: a recurring window of local time.</summary>
    public sealed class TimeWindow
    {
        /// <summary>Bit 0 = Monday ... bit 6 = Sunday: weekdays on which the window starts.</summary>
        public uint WeekdayMask;

        /// <summary>Start in minutes after local midnight.</summary>
        public uint StartMinute;

        /// <summary>End in minutes after local midnight; at or before the start it crosses midnight.</summary>
        public uint EndMinute;
    }

    /// <summary>smartterminal.device.v1.ContinuousUseRule.</summary>
    public sealed class ContinuousUseRule
    {
        /// <summary>Minutes of continuous use that trigger the rule; 0 disables it.</summary>
        public uint LimitMinutes;

        /// <summary>Minutes of rest that reset the counter.</summary>
        public uint RestMinutes;

        /// <summary>True: a forced break; false: a reminder.</summary>
        public bool ForcedBreak;

        /// <summary>Seconds without interaction after which time is idle.</summary>
        public uint IdleTimeoutSeconds;
    }

    /// <summary>smartterminal.device.v1.SpendingRule.</summary>
    public sealed class SpendingRule
    {
        /// <summary>Largest single purchase without approval.</summary>
        public uint PerTransactionCap;

        /// <summary>Largest daily total without approval.</summary>
        public uint DailyCap;

        /// <summary>ISO 4217 currency code.</summary>
        public string Currency;

        /// <summary>Payments enabled at all.</summary>
        public bool PaymentsEnabled;
    }

    /// <summary>smartterminal.device.v1.PermissionRule.</summary>
    public sealed class PermissionRule
    {
        /// <summary>Camera consent.</summary>
        public bool CameraAllowed;

        /// <summary>Microphone consent.</summary>
        public bool MicrophoneAllowed;

        /// <summary>Location consent.</summary>
        public bool LocationAllowed;

        /// <summary>No use while charging except always-allowed functions.</summary>
        public bool BlockWhileCharging;
    }

    /// <summary>smartterminal.device.v1.OfflineCodeRule.</summary>
    public sealed class OfflineCodeRule
    {
        /// <summary>Time step in seconds.</summary>
        public uint StepSeconds;

        /// <summary>Steps accepted either side of the best time estimate.</summary>
        public uint WindowSteps;

        /// <summary>Digits per code.</summary>
        public uint Digits;

        /// <summary>Largest extension a code may grant.</summary>
        public uint MaxExtraMinutes;
    }

    /// <summary>
    /// smartterminal.device.v1.ContactPolicy. Contacts are held as parallel arrays sorted by hash,
    /// which costs 10 bytes a contact instead of an object each.
    /// </summary>
    public sealed class ContactPolicy
    {
        /// <summary>ContactMode number.</summary>
        public int Mode;

        /// <summary>Strangers' messages are delivered.</summary>
        public bool StrangerMessagesAllowed;

        /// <summary>MediaMode number.</summary>
        public int MediaMode;

        /// <summary>FNV-1a 64 hashes of contact numbers, sorted ascending.</summary>
        public ulong[] NumberHashes;

        /// <summary>ContactRole of each contact.</summary>
        public byte[] Roles;

        /// <summary>Media allowed to each contact.</summary>
        public bool[] MediaAllowed;

        /// <summary>FNV-1a 64 hashes of emergency numbers, sorted ascending.</summary>
        public ulong[] EmergencyNumberHashes;
    }
}
