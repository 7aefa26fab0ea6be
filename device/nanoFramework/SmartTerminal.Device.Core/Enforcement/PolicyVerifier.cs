using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Platform;
using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>
    /// Checks a received SignedPolicyEnvelope: addressed to this device, signed with its key, MAC valid,
    /// newer than the current version, and a policy that decodes. The MAC is computed over a slice of the
    /// received bytes, so nothing is copied.
    /// </summary>
    public sealed class PolicyVerifier
    {
        private readonly IHmacSha256 _hmac;
        private readonly DeviceKeys _keys;
        private readonly byte[] _mac = new byte[32];

        /// <summary>Verifies with the device's keys.</summary>
        public PolicyVerifier(IHmacSha256 hmac, DeviceKeys keys)
        {
            _hmac = hmac;
            _keys = keys;
        }

        /// <summary>Verifies and decodes; on refusal the policy is null.</summary>
        public PolicyRefusal Verify(byte[] payload, int offset, int count, ulong currentVersion, out DevicePolicy policy, out ulong version)
        {
            policy = null;
            SignedPolicyEnvelope envelope;
            PolicyRefusal refusal = Check(payload, offset, count, currentVersion, out envelope, out version);
            return refusal != PolicyRefusal.None ? refusal : Decode(payload, envelope, out policy);
        }

        /// <summary>
        /// Everything but decoding the policy: addressed here, known key, valid MAC, newer. Nothing is
        /// allocated but the small envelope, so a caller can release the policy in force before decoding.
        /// </summary>
        public PolicyRefusal Check(byte[] payload, int offset, int count, ulong currentVersion, out SignedPolicyEnvelope envelope, out ulong version)
        {
            version = 0;
            if (SignedPolicyEnvelope.TryDecode(payload, offset, count, out envelope) != ProtoError.None)
            {
                return PolicyRefusal.Malformed;
            }

            version = envelope.Version;
            if (envelope.DeviceId != _keys.DeviceId)
            {
                return PolicyRefusal.WrongDevice;
            }

            if (envelope.KeyId != _keys.PolicyKeyId)
            {
                return PolicyRefusal.UnknownKey;
            }

            _hmac.Compute(_keys.PolicyKey, payload, envelope.SignedOffset, envelope.SignedLength, _mac);
            if (!FixedTimeEquals(_mac, payload, envelope.MacOffset))
            {
                return PolicyRefusal.BadMac;
            }

            return envelope.Version <= currentVersion ? PolicyRefusal.NotNewer : PolicyRefusal.None;
        }

        /// <summary>Decodes the policy of an envelope that passed <see cref="Check"/>; its version must be the signed one.</summary>
        public static PolicyRefusal Decode(byte[] payload, SignedPolicyEnvelope envelope, out DevicePolicy policy)
        {
            DevicePolicy decoded;
            if (DevicePolicyCodec.TryDecode(payload, envelope.PolicyOffset, envelope.PolicyLength, out decoded) != ProtoError.None
                || decoded.Version != envelope.Version)
            {
                policy = null;
                return PolicyRefusal.Malformed;
            }

            policy = decoded;
            return PolicyRefusal.None;
        }

        // Compares all 32 bytes whatever differs, so timing reveals nothing about the expected MAC.
        private static bool FixedTimeEquals(byte[] expected, byte[] actual, int offset)
        {
            int difference = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                difference |= expected[i] ^ actual[offset + i];
            }

            return difference == 0;
        }
    }
}
