namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>Why a policy was refused (same numbers as smartterminal.device.v1.PolicyRefusal).</summary>
    public enum PolicyRefusal
    {
        /// <summary>Accepted.</summary>
        None = 0,

        /// <summary>The MAC did not verify (forged or damaged).</summary>
        BadMac = 1,

        /// <summary>Not newer than the current version (rollback or replay).</summary>
        NotNewer = 2,

        /// <summary>Addressed to another device.</summary>
        WrongDevice = 3,

        /// <summary>Did not decode, or its inner version differs from the envelope's.</summary>
        Malformed = 4,

        /// <summary>Signed with a key id this device does not have.</summary>
        UnknownKey = 5,
    }
}
