namespace SmartTerminal.Device.Core.Platform
{
    /// <summary>HMAC-SHA256, supplied natively (mbedTLS on the ESP32, System.Security.Cryptography on .NET).</summary>
    public interface IHmacSha256
    {
        /// <summary>Writes the 32-byte MAC of data[offset..offset+count) under key into output.</summary>
        void Compute(byte[] key, byte[] data, int offset, int count, byte[] output);
    }
}
