namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// A unit's secrets as issued at registration or rotation: the only time they exist in clear outside
/// the device. The MQTT password is stored hashed, the keys encrypted.
/// </summary>
public sealed record IssuedCredentials(
    string DeviceId, string FleetId, string ModelId, string Serial, string MqttPassword, uint KeyId, byte[] PolicyKey, byte[] GuardianSecret);
