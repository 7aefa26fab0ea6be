using System;
using System.Security.Cryptography;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Firmware
{
    /// <summary>HMAC-SHA256 by the firmware's native mbedTLS (nanoFramework.System.Security.Cryptography).</summary>
    internal sealed class NanoHmac : IHmacSha256
    {
        public void Compute(byte[] key, byte[] data, int offset, int count, byte[] output)
        {
            // The native API hashes whole arrays: a slice is copied once (policies are verified rarely).
            byte[] input = data;
            if (offset != 0 || count != data.Length)
            {
                input = new byte[count];
                Array.Copy(data, offset, input, 0, count);
            }

            using (HMACSHA256 hmac = new HMACSHA256(key))
            {
                byte[] mac = hmac.ComputeHash(input);
                Array.Copy(mac, 0, output, 0, mac.Length);
            }
        }
    }
}
