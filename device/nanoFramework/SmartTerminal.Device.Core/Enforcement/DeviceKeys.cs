namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>The identity and secrets provisioned at flashing (from DeviceConfig).</summary>
    public sealed class DeviceKeys
    {
        /// <summary>Creates the key set.</summary>
        public DeviceKeys(string deviceId, uint policyKeyId, byte[] policyKey, byte[] guardianCodeSecret)
        {
            DeviceId = deviceId;
            PolicyKeyId = policyKeyId;
            PolicyKey = policyKey;
            GuardianCodeSecret = guardianCodeSecret;
        }

        /// <summary>The device id policies must be addressed to.</summary>
        public string DeviceId { get; private set; }

        /// <summary>Id of <see cref="PolicyKey"/>.</summary>
        public uint PolicyKeyId { get; private set; }

        /// <summary>HMAC-SHA256 key that verifies policies.</summary>
        public byte[] PolicyKey { get; private set; }

        /// <summary>Secret that verifies offline guardian codes.</summary>
        public byte[] GuardianCodeSecret { get; private set; }
    }
}
