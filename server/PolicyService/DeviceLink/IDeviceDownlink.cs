namespace SmartTerminal.PolicyService.DeviceLink;

/// <summary>
/// What the service sends to devices, whatever broker carries it: signed policies (retained, the
/// device's current one) and control messages (uplink acknowledgements, time sync, extensions).
/// The embedded MQTTnet broker implements it today; an external broker's client would too.
/// </summary>
public interface IDeviceDownlink
{
    /// <summary>Publishes retained, QoS 1, on st/v1/{deviceId}/policy.</summary>
    Task PublishPolicyAsync(string deviceId, byte[] envelope, CancellationToken cancellationToken);

    /// <summary>Removes the retained policy of a device taken out of service.</summary>
    Task ClearPolicyAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Publishes a ControlMessage (not retained), QoS 1, on st/v1/{deviceId}/control.</summary>
    Task PublishControlAsync(string deviceId, byte[] message, CancellationToken cancellationToken);
}
