using SmartTerminal.PolicyService.DeviceLink;

namespace SmartTerminal.PolicyService.Broker.External;

/// <summary>
/// For an external broker that authenticates devices from the state database on its own (EMQX with
/// its PostgreSQL authenticator): the service cannot end a session there, the broker's operator
/// configures it to (EMQX re-authenticates or is told to kick through its REST API, docs/SCALING.md).
/// Logged so a rotation's missing kick is visible.
/// </summary>
public sealed partial class SessionsEndedByBroker(ILogger<SessionsEndedByBroker> logger) : IDeviceSessions
{
    public Task DisconnectAsync(string deviceId, CancellationToken cancellationToken)
    {
        LogNotEnded(deviceId);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The session of {DeviceId} is the external broker's to end (Broker:External:Provisioning=None)")]
    private partial void LogNotEnded(string deviceId);
}
