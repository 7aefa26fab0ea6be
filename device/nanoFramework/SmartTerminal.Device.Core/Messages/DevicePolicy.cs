namespace SmartTerminal.Device.Core.Messages
{
    /// <summary>
    /// smartterminal.device.v1.DevicePolicy as the device holds it: sorted arrays, and apps as
    /// parallel arrays, so that lookups are binary searches and a large policy stays small in RAM.
    /// Decode and encode with <see cref="DevicePolicyCodec"/>.
    /// </summary>
    public sealed class DevicePolicy
    {
        /// <summary>Policy version.</summary>
        public ulong Version;

        /// <summary>Compile time, Unix seconds.</summary>
        public long IssuedAtUnix;

        /// <summary>End of the known UTC-offset transitions, Unix seconds.</summary>
        public long ValidUntilUnix;

        /// <summary>Regulation profile id.</summary>
        public string ProfileId;

        /// <summary>Age band of the child.</summary>
        public uint AgeBand;

        /// <summary>Daily minutes per weekday, Monday first.</summary>
        public uint[] DailyBudgetMinutes;

        /// <summary>Per-category budgets.</summary>
        public CategoryBudget[] CategoryBudgets;

        /// <summary>AlwaysAllowedFunction numbers.</summary>
        public int[] AlwaysAllowed;

        /// <summary>Allowed windows (curfew is their complement).</summary>
        public TimeWindow[] AllowedWindows;

        /// <summary>Class windows.</summary>
        public TimeWindow[] ClassWindows;

        /// <summary>Apps allowed during class windows, sorted.</summary>
        public uint[] ClassAllowedAppIds;

        /// <summary>Continuous-use rule, or null.</summary>
        public ContinuousUseRule ContinuousUse;

        /// <summary>Minutes left at which to warn.</summary>
        public uint[] WarningMinutes;

        /// <summary>App ids, sorted ascending.</summary>
        public uint[] AppIds;

        /// <summary>AppCategory of each app.</summary>
        public byte[] AppCategories;

        /// <summary>Age rating of each app.</summary>
        public byte[] AppAgeRatings;

        /// <summary>AppAccess of each app.</summary>
        public byte[] AppAccess;

        /// <summary>Highest allowed age rating.</summary>
        public uint MaxAgeRating;

        /// <summary>Unknown apps may run.</summary>
        public bool AllowUnlistedApps;

        /// <summary>DomainMode number.</summary>
        public int DomainMode;

        /// <summary>FNV-1a 32 hashes of blocked domains, sorted.</summary>
        public uint[] BlockedDomainHashes;

        /// <summary>FNV-1a 32 hashes of allowed domains, sorted.</summary>
        public uint[] AllowedDomainHashes;

        /// <summary>Contact rules, or null.</summary>
        public ContactPolicy Contacts;

        /// <summary>Spending rule, or null.</summary>
        public SpendingRule Spending;

        /// <summary>Permission rule, or null.</summary>
        public PermissionRule Permissions;

        /// <summary>UTC-offset transition times, Unix seconds, sorted.</summary>
        public long[] UtcOffsetFromUnix;

        /// <summary>Offset in minutes from each transition on.</summary>
        public int[] UtcOffsetMinutes;

        /// <summary>Offline code parameters, or null.</summary>
        public OfflineCodeRule OfflineCodes;
    }
}
