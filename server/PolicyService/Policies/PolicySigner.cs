using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Wraps a device policy in its signed envelope. The MAC covers the envelope's fields 1-4 exactly as
/// Google.Protobuf serialises them with the MAC unset, which is the canonical slice the device checks.
/// </summary>
public static class PolicySigner
{
    public static byte[] Sign(string deviceId, uint keyId, byte[] key, DevicePolicy policy)
    {
        var envelope = new SignedPolicyEnvelope { DeviceId = deviceId, Version = policy.Version, KeyId = keyId, Policy = policy.ToByteString() };
        envelope.Mac = ByteString.CopyFrom(HMACSHA256.HashData(key, envelope.ToByteArray()));
        return envelope.ToByteArray();
    }
}
