namespace SmartTerminal.Device.Core.Hashing
{
    /// <summary>CRC-32 (IEEE 802.3, as zlib) for persisted records: detects torn and corrupted writes.</summary>
    public static class Crc32
    {
        private static readonly uint[] s_table = BuildTable();

        /// <summary>CRC of data[offset..offset+count).</summary>
        public static uint Compute(byte[] data, int offset, int count)
        {
            return ~Continue(0xFFFFFFFF, data, offset, count);
        }

        /// <summary>
        /// Feeds more bytes into a running CRC register (start with 0xFFFFFFFF, complement the final
        /// value), so a CRC can cover data held in two buffers.
        /// </summary>
        public static uint Continue(uint register, byte[] data, int offset, int count)
        {
            for (int i = offset; i < offset + count; i++)
            {
                register = s_table[(register ^ data[i]) & 0xFF] ^ (register >> 8);
            }

            return register;
        }

        private static uint[] BuildTable()
        {
            uint[] table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}
