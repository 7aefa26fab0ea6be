using SmartTerminal.Device.Core.Runtime;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>Sizes of what a device may send, derived from what the device core can build.</summary>
public static class UplinkLimits
{
    /// <summary>
    /// The largest uplink the device core builds: one outbox record, a segment less its header
    /// (8,176 bytes). Anything larger did not come from a SmartTerminal device.
    /// </summary>
    public const int MaxUplinkBytes = DeviceRuntime.SegmentBytes - Outbox.HeaderLength;

    /// <summary>A device status (online flag, firmware version, policy version), retained per device.</summary>
    public const int MaxStatusBytes = 256;

    /// <summary>Any MQTT packet from a client: an uplink plus its topic, properties and framing.</summary>
    public const int MaxPacketBytes = MaxUplinkBytes + 1024;
}
