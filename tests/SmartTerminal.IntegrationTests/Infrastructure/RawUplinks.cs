using Google.Protobuf;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>Uplinks as a device's outbox sends them, for tests that publish with a device's own login.</summary>
internal static class RawUplinks
{
    /// <summary>A heartbeat made now; by default firmware 1.0.0, an untrusted clock and no usage claim.</summary>
    public static byte[] Heartbeat(
        ulong sequence, ulong policyVersion = 1, string firmware = "1.0.0", Wire.ClockState clock = Wire.ClockState.Untrusted, DateTimeOffset? usageCompleteThrough = null) => new Wire.UplinkEnvelope
    {
        Sequence = sequence,
        CreatedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Heartbeat = new Wire.Heartbeat
        {
            FirmwareVersion = firmware,
            PolicyVersion = policyVersion,
            ClockState = clock,
            UsageCompleteThroughUnix = usageCompleteThrough?.ToUnixTimeSeconds() ?? 0,
        },
    }.ToByteArray();
}
