using System.Security.Cryptography;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.DeviceHost;

/// <summary>HMAC-SHA256 from .NET for the device core.</summary>
public sealed class DotNetHmac : IHmacSha256
{
    public void Compute(byte[] key, byte[] data, int offset, int count, byte[] output) =>
        HMACSHA256.HashData(key, data.AsSpan(offset, count), output);
}
