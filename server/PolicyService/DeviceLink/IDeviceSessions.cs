namespace SmartTerminal.PolicyService.DeviceLink;

/// <summary>The broker sessions of devices, as far as the service needs to end them (any broker).</summary>
public interface IDeviceSessions
{
    /// <summary>
    /// Ends the device's current session, if any (after its credentials were rotated or revoked: a
    /// session that logged in with the old password must not go on publishing).
    /// </summary>
    Task DisconnectAsync(string deviceId, CancellationToken cancellationToken);
}
