namespace SmartTerminal.PolicyService.Policies;

/// <summary>Delivers signed policies and control messages to devices over MQTT.</summary>
public interface IPolicyPublisher
{
    /// <summary>Publishes retained, QoS 1, on st/v1/{deviceId}/policy.</summary>
    Task PublishPolicyAsync(string deviceId, byte[] envelope, CancellationToken cancellationToken);

    /// <summary>Removes the retained policy of a device taken out of service.</summary>
    Task ClearPolicyAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Publishes (not retained), QoS 1, on st/v1/{deviceId}/control.</summary>
    Task PublishControlAsync(string deviceId, byte[] message, CancellationToken cancellationToken);
}
