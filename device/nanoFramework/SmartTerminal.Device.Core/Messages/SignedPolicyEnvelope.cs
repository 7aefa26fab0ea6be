using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Messages
{
    /// <summary>
    /// smartterminal.device.v1.SignedPolicyEnvelope, decoded without copying the policy bytes: the
    /// policy and the signed range stay slices of the received payload, because a large policy copied
    /// once more would not fit the ESP32's heap.
    /// </summary>
    public sealed class SignedPolicyEnvelope
    {
        private const uint DeviceIdTag = (1 << 3) | 2;
        private const uint VersionTag = (2 << 3) | 0;
        private const uint KeyIdTag = (3 << 3) | 0;
        private const uint PolicyTag = (4 << 3) | 2;
        private const uint MacTag = (5 << 3) | 2;

        /// <summary>Length of an HMAC-SHA256 MAC.</summary>
        public const int MacLength = 32;

        /// <summary>The device the policy is addressed to.</summary>
        public string DeviceId;

        /// <summary>Policy version.</summary>
        public ulong Version;

        /// <summary>Id of the key that signed it.</summary>
        public uint KeyId;

        /// <summary>The payload the slices below index into.</summary>
        public byte[] Buffer;

        /// <summary>Offset of the encoded DevicePolicy in <see cref="Buffer"/>.</summary>
        public int PolicyOffset;

        /// <summary>Length of the encoded DevicePolicy.</summary>
        public int PolicyLength;

        /// <summary>Offset of the signed bytes (fields 1 to 4) in <see cref="Buffer"/>.</summary>
        public int SignedOffset;

        /// <summary>Length of the signed bytes.</summary>
        public int SignedLength;

        /// <summary>Offset of the 32-byte MAC in <see cref="Buffer"/>.</summary>
        public int MacOffset;

        /// <summary>
        /// Decodes an envelope. Beyond wire validity it requires the canonical layout the MAC is defined
        /// over: fields 1 to 4 in order (each at most once, defaults omitted), then the 32-byte MAC last,
        /// so that the signed bytes are one contiguous slice. Anything else is
        /// <see cref="ProtoError.ValueOutOfRange"/>, which the device reports as a malformed policy.
        /// </summary>
        public static ProtoError TryDecode(byte[] buffer, int offset, int count, out SignedPolicyEnvelope envelope)
        {
            envelope = null;
            ProtoReader reader = new ProtoReader(buffer, offset, count);
            SignedPolicyEnvelope result = new SignedPolicyEnvelope();
            result.Buffer = buffer;
            result.SignedOffset = offset;
            result.MacOffset = -1;
            int lastField = 0;
            uint tag;
            while (reader.ReadTag(out tag))
            {
                int field = (int)(tag >> 3);
                if (result.MacOffset >= 0 || field <= lastField)
                {
                    return ProtoError.ValueOutOfRange;
                }

                lastField = field;
                switch (tag)
                {
                    case DeviceIdTag:
                        reader.ReadString(out result.DeviceId);
                        break;
                    case VersionTag:
                        reader.ReadUInt64(out result.Version);
                        break;
                    case KeyIdTag:
                        reader.ReadUInt32(out result.KeyId);
                        break;
                    case PolicyTag:
                        reader.ReadLengthDelimited(out result.PolicyOffset, out result.PolicyLength);
                        break;
                    case MacTag:
                        // The MAC tag (field 5, length-delimited) is the one byte 0x2A just read.
                        result.SignedLength = reader.Position - 1 - offset;
                        int macOffset;
                        int macLength;
                        if (reader.ReadLengthDelimited(out macOffset, out macLength) && macLength != MacLength)
                        {
                            return ProtoError.ValueOutOfRange;
                        }

                        result.MacOffset = macOffset;
                        break;
                    default:
                        return ProtoError.ValueOutOfRange;
                }
            }

            if (reader.Error != ProtoError.None)
            {
                return reader.Error;
            }

            if (result.MacOffset < 0 || result.DeviceId == null)
            {
                return ProtoError.ValueOutOfRange;
            }

            envelope = result;
            return ProtoError.None;
        }

        /// <summary>Writes the canonical envelope (fields 1 to 4, then the MAC).</summary>
        public static void WriteSignedPart(ProtoWriter writer, string deviceId, ulong version, uint keyId, byte[] policy, int policyOffset, int policyLength)
        {
            writer.WriteString(1, deviceId);
            writer.WriteUInt64(2, version);
            writer.WriteUInt32(3, keyId);
            writer.WriteBytes(4, policy, policyOffset, policyLength);
        }

        /// <summary>Appends the MAC field after <see cref="WriteSignedPart"/>.</summary>
        public static void WriteMac(ProtoWriter writer, byte[] mac)
        {
            writer.WriteBytes(5, mac);
        }
    }
}
