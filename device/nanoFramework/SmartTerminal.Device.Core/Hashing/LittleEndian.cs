namespace SmartTerminal.Device.Core.Hashing
{
    /// <summary>Fixed-width little-endian integers in byte arrays, without BitConverter's allocations.</summary>
    public static class LittleEndian
    {
        /// <summary>Writes a 32-bit value at offset; returns the next offset.</summary>
        public static int Write(byte[] buffer, int offset, uint value)
        {
            buffer[offset] = (byte)value;
            buffer[offset + 1] = (byte)(value >> 8);
            buffer[offset + 2] = (byte)(value >> 16);
            buffer[offset + 3] = (byte)(value >> 24);
            return offset + 4;
        }

        /// <summary>Writes a 64-bit value at offset; returns the next offset.</summary>
        public static int Write(byte[] buffer, int offset, ulong value)
        {
            Write(buffer, offset, (uint)value);
            return Write(buffer, offset + 4, (uint)(value >> 32));
        }

        /// <summary>Reads a 32-bit value.</summary>
        public static uint ReadUInt32(byte[] buffer, int offset)
        {
            return (uint)(buffer[offset] | (buffer[offset + 1] << 8) | (buffer[offset + 2] << 16) | (buffer[offset + 3] << 24));
        }

        /// <summary>Reads a 64-bit value.</summary>
        public static ulong ReadUInt64(byte[] buffer, int offset)
        {
            return ReadUInt32(buffer, offset) | ((ulong)ReadUInt32(buffer, offset + 4) << 32);
        }
    }
}
