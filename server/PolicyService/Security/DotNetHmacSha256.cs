using System.Security.Cryptography;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.PolicyService.Security;

/// <summary>The device core's HMAC interface on .NET, so the service runs the device's own code algorithm.</summary>
public sealed class DotNetHmacSha256 : IHmacSha256
{
    public void Compute(byte[] key, byte[] data, int offset, int count, byte[] output) =>
        HMACSHA256.HashData(key, data.AsSpan(offset, count), output);
}
