using System.Buffers;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>What a device listening on its control topic was told about its uplinks.</summary>
internal static class UplinkAcks
{
    /// <summary>Waits until the service acknowledged through the sequence (exactly it, or at least it).</summary>
    public static async Task<bool> ThroughAsync(MqttTestClient device, string deviceId, ulong sequence, bool orLater = false) =>
        await Eventually.TrueWithin(TimeSpan.FromSeconds(15), () => Task.FromResult(device.Received
            .Where(m => m.Topic == $"st/v1/{deviceId}/control")
            .Select(m => Wire.ControlMessage.Parser.ParseFrom(m.Payload.ToArray()))
            .Any(c => c.BodyCase == Wire.ControlMessage.BodyOneofCase.UplinkAck
                      && (orLater ? c.UplinkAck.AckedThroughSequence >= sequence : c.UplinkAck.AckedThroughSequence == sequence))));
}
