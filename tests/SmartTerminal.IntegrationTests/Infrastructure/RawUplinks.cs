using Google.Protobuf;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>Uplinks as a device's outbox sends them, for tests that publish with a device's own login.</summary>
internal static class RawUplinks
{
    public static byte[] Heartbeat(ulong sequence, ulong policyVersion = 1) => new Wire.UplinkEnvelope
    {
        Sequence = sequence,
        CreatedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Heartbeat = new Wire.Heartbeat { FirmwareVersion = "1.0.0", PolicyVersion = policyVersion },
    }.ToByteArray();
}
