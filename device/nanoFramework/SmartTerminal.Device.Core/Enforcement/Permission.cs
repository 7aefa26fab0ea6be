namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>Sensitive permissions that need guardian consent (MIIT children's watch draft).</summary>
    public enum Permission
    {
        /// <summary>Camera.</summary>
        Camera = 0,

        /// <summary>Microphone.</summary>
        Microphone = 1,

        /// <summary>Location for apps (SOS location is always allowed).</summary>
        Location = 2,
    }
}
