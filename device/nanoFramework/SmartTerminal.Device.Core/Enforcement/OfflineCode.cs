using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>
    /// One-time guardian codes the device verifies without network (design brief section 5). A code is
    /// three grant digits followed by an HOTP-style truncation of
    /// HMAC-SHA256(guardian secret, "STOC" | time step (8 bytes, big-endian) | grant (2 bytes, big-endian)).
    /// Grant 1-499 means that many extra minutes today; 500-999 means leaving minor mode for
    /// (grant - 499) * 5 minutes. The guardian's app and the service generate codes with this class too.
    /// </summary>
    public static class OfflineCode
    {
        /// <summary>Digits that carry the grant.</summary>
        public const int GrantDigits = 3;

        /// <summary>Largest grant meaning extra minutes.</summary>
        public const uint MaxExtraMinutesGrant = 499;

        /// <summary>First grant meaning "leave minor mode".</summary>
        public const uint FirstLeaveGrant = 500;

        /// <summary>Largest grant.</summary>
        public const uint MaxGrant = 999;

        /// <summary>Bytes of the MAC input.</summary>
        public const int MessageLength = 14;

        /// <summary>The grant that gives extra minutes (1-499).</summary>
        public static uint ExtraMinutesGrant(uint minutes)
        {
            return minutes;
        }

        /// <summary>The grant that leaves minor mode for about the given minutes (rounded up to 5, at most 2,500).</summary>
        public static uint LeaveMinorModeGrant(uint minutes)
        {
            uint units = (minutes + 4) / 5;
            if (units < 1)
            {
                units = 1;
            }

            return FirstLeaveGrant - 1 + units;
        }

        /// <summary>Minutes outside minor mode for a leave grant.</summary>
        public static uint LeaveMinutes(uint grant)
        {
            return (grant - (FirstLeaveGrant - 1)) * 5;
        }

        /// <summary>
        /// The numeric MAC part of the code for a step and grant. message must hold
        /// <see cref="MessageLength"/> bytes and mac 32; both are scratch space (no allocation).
        /// </summary>
        public static uint ComputeValue(IHmacSha256 hmac, byte[] secret, long step, uint grant, int digits, byte[] message, byte[] mac)
        {
            message[0] = (byte)'S';
            message[1] = (byte)'T';
            message[2] = (byte)'O';
            message[3] = (byte)'C';
            for (int i = 0; i < 8; i++)
            {
                message[4 + i] = (byte)(step >> (56 - (8 * i)));
            }

            message[12] = (byte)(grant >> 8);
            message[13] = (byte)grant;
            hmac.Compute(secret, message, 0, MessageLength, mac);

            // Dynamic truncation as in RFC 4226, over a 32-byte MAC.
            int offset = mac[31] & 0x0F;
            uint binary = ((uint)(mac[offset] & 0x7F) << 24) | ((uint)mac[offset + 1] << 16) | ((uint)mac[offset + 2] << 8) | mac[offset + 3];
            return binary % Pow10(digits);
        }

        /// <summary>The code a guardian types: grant digits then MAC digits, zero-padded.</summary>
        public static string Generate(IHmacSha256 hmac, byte[] secret, long step, uint grant, int digits)
        {
            uint value = ComputeValue(hmac, secret, step, grant, digits, new byte[MessageLength], new byte[32]);
            return Pad(grant, GrantDigits) + Pad(value, digits);
        }

        /// <summary>Splits a typed code into grant and value; false when it is not all digits of the right length or the grant is 0.</summary>
        public static bool TryParse(string code, int digits, out uint grant, out uint value)
        {
            grant = 0;
            value = 0;
            if (code == null || code.Length != GrantDigits + digits)
            {
                return false;
            }

            for (int i = 0; i < code.Length; i++)
            {
                char c = code[i];
                if (c < '0' || c > '9')
                {
                    return false;
                }

                if (i < GrantDigits)
                {
                    grant = (grant * 10) + (uint)(c - '0');
                }
                else
                {
                    value = (value * 10) + (uint)(c - '0');
                }
            }

            return grant >= 1 && grant <= MaxGrant;
        }

        /// <summary>The remembered form of a redeemed code.</summary>
        public static ulong RedemptionId(long step, uint grant)
        {
            return ((ulong)step << 16) | grant;
        }

        private static uint Pow10(int digits)
        {
            uint result = 1;
            for (int i = 0; i < digits; i++)
            {
                result *= 10;
            }

            return result;
        }

        private static string Pad(uint value, int width)
        {
            string text = value.ToString();
            while (text.Length < width)
            {
                text = "0" + text;
            }

            return text;
        }
    }
}
