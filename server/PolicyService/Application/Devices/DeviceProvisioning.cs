using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Application.Devices;

/// <summary>A provisioned unit: its secrets, its box code (none after a rotation) and its first signed policy.</summary>
public sealed record ProvisionedDevice(IssuedCredentials Credentials, string PairingCode, byte[] InitialPolicy);

/// <summary>
/// A unit's life on the manufacturer's side: registration on the production line, key rotation, a new
/// box code for a returned unit, decommissioning. Devices of other manufacturers answer NotFound.
/// </summary>
public sealed class DeviceProvisioning(
    FleetRegistry fleets, DeviceRegistry devices, PairingService pairing, PolicyDistributor distributor, IBrokerAccounts brokerAccounts, IDeviceSessions sessions, DeviceLifecycle lifecycle)
{
    public const int MaxReasonLength = 500;

    public async Task<ProvisionedDevice> RegisterAsync(Caller caller, string fleetId, string modelId, string serial, CancellationToken cancellationToken)
    {
        await fleets.RequireManagedAsync(caller, fleetId);
        if (modelId.Length > 0)
        {
            await fleets.RequireModelAsync(fleetId, modelId);
        }

        var (device, credentials) = await devices.RegisterAsync(caller, fleetId, modelId, serial);
        // A broker that keeps logins of its own gets this one now; should that fail, the call fails and
        // a retry finds the serial registered and rotates (the flasher does), or the reconciliation restores it.
        await brokerAccounts.SetDeviceAsync(device.Id, credentials.MqttPassword, cancellationToken);
        var code = await pairing.CreateBoxCodeAsync(device.Id);
        return new ProvisionedDevice(credentials, code.Code, await distributor.RepublishAsync(device.Id, cancellationToken));
    }

    /// <summary>New secrets; the session that used the old ones ends, and the policy is signed under the new key.</summary>
    public async Task<ProvisionedDevice> RotateKeysAsync(Caller caller, string deviceId, string reason, CancellationToken cancellationToken)
    {
        var device = await ManagedDeviceAsync(caller, deviceId);
        var (_, credentials) = await devices.RotateAsync(caller, device, LimitedReason(reason));
        // Fails the call rather than leave the old password working in a broker that keeps its own logins.
        await brokerAccounts.SetDeviceAsync(device.Id, credentials.MqttPassword, cancellationToken);
        await sessions.DisconnectAsync(device.Id, cancellationToken);
        return new ProvisionedDevice(credentials, string.Empty, await distributor.RepublishAsync(device.Id, cancellationToken));
    }

    public async Task<(IssuedPairingCode Code, int GuardiansRemoved)> ReissuePairingCodeAsync(Caller caller, string deviceId, string reason, CancellationToken cancellationToken)
    {
        var device = await ManagedDeviceAsync(caller, deviceId);
        var reissued = await pairing.ReissueAsync(caller, device.Id, LimitedReason(reason));
        // The child's age band is gone with the family: the device falls back to the youngest band.
        await distributor.RepublishAsync(device.Id, cancellationToken);
        return reissued;
    }

    /// <summary>Idempotent: a decommissioned device can be decommissioned again to finish what failed.</summary>
    public async Task<DecommissionOutcome> DecommissionAsync(Caller caller, string deviceId, string reason, CancellationToken cancellationToken)
    {
        var device = await devices.FindAsync(deviceId, includeDecommissioned: true);
        await fleets.RequireManagedAsync(caller, device?.FleetId, "device", deviceId);
        var profileId = await fleets.RequireManagedAsync(caller, device!.FleetId);
        return await lifecycle.DecommissionAsync(caller, device, profileId, LimitedReason(reason), cancellationToken);
    }

    private async Task<DeviceRecord> ManagedDeviceAsync(Caller caller, string deviceId)
    {
        var device = await devices.FindAsync(deviceId);
        await fleets.RequireManagedAsync(caller, device?.FleetId, "device", deviceId);
        return device!;
    }

    private static string LimitedReason(string reason) =>
        reason.Length <= MaxReasonLength ? reason : throw new InvalidInputException("reason", $"at most {MaxReasonLength} characters");
}
