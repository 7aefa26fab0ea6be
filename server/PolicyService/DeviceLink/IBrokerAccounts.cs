namespace SmartTerminal.PolicyService.DeviceLink;

/// <summary>
/// Device logins held by the broker itself, for brokers that cannot read the state database
/// (Mosquitto's dynamic security). Registration and rotation set a device's login, decommissioning
/// removes it; both end the session that used the old login. The state database stays the truth: a
/// reconciliation repairs what a failed call or a lost broker left behind.
/// </summary>
public interface IBrokerAccounts
{
    /// <summary>Creates the device's login with its topic rights (design brief section 1), or sets its new password.</summary>
    Task SetDeviceAsync(string deviceId, string password, CancellationToken cancellationToken);

    /// <summary>Removes the device's login and rights; nothing to do when it has none.</summary>
    Task RemoveDeviceAsync(string deviceId, CancellationToken cancellationToken);
}

/// <summary>For brokers that authenticate from the state database (the embedded one, EMQX with its PostgreSQL authenticator): nothing to provision.</summary>
public sealed class LoginsInStateDatabase : IBrokerAccounts
{
    public Task SetDeviceAsync(string deviceId, string password, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RemoveDeviceAsync(string deviceId, CancellationToken cancellationToken) => Task.CompletedTask;
}
