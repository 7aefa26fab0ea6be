using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Broker;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// The end of a unit's life: decommissioning revokes its credentials (and ends the session that used
/// them), clears its retained policy, removes guardians and codes, and keeps or erases its data as the
/// fleet's regulation profile says. Idempotent: calling it again repeats what could not be done the
/// first time (an erase while InfluxDB was down).
/// </summary>
public sealed class DeviceLifecycle(
    StateDatabase database,
    DeviceStore devices,
    LayerStore layers,
    DevicePolicyStore policies,
    QuarantineStore quarantine,
    PairingService pairing,
    RegulationProfiles profiles,
    IBrokerAccounts brokerAccounts,
    IDeviceSessions sessions,
    IDeviceDownlink publisher,
    DeviceFleets ingestion,
    UsageQueries telemetry,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<DecommissionOutcome> DecommissionAsync(Caller caller, DeviceRecord device, string profileId, string reason, CancellationToken cancellationToken)
    {
        var erase = profiles.Find(profileId)?.DataRetention?.EraseOnDecommission ?? false;
        int removed;
        // Held through the commit and the clearing of the retained policy: a republish running at the same
        // time (a rollout) either finishes before or finds the device gone, and cannot publish after the clear.
        await using var hold = await database.HoldAsync(DeviceRegistry.Lock(device.Id), cancellationToken);
        await using (var session = await hold.WriteAsync())
        {
            await session.LockAsync(DeviceRegistry.Lock(device.Id));
            // The login fails from the commit on; what only its guardians and the child gave goes with it.
            var first = await devices.MarkDecommissionedAsync(session, device.Id, time.GetUtcNow(), erase);
            await layers.DeleteGuardianSettingsAsync(session, device.Id);
            await policies.DeleteAsync(session, device.Id);
            removed = await pairing.RemoveAllAsync(session, device.Id);
            if (erase)
            {
                await quarantine.ForgetAsync(session, device.Id);
            }

            await audit.AppendAsync(session, caller.AuditName, first ? "device.decommission" : "device.decommission.repeat", device.Id,
                afterJson: AuditJson.Of(new { reason, eraseData = erase, guardiansRemoved = removed }));
            await session.CommitAsync();
        }

        // After the commit, so a failure here is repeated by calling again; the login already fails
        // against the state database, and now in a broker that keeps logins of its own. Ingestion ignores
        // the device's uplinks from now on here (other replicas within a minute), even if its broker login
        // outlived a failed removal.
        ingestion.Forget(device.Id);
        await brokerAccounts.RemoveDeviceAsync(device.Id, cancellationToken);
        await sessions.DisconnectAsync(device.Id, cancellationToken);
        await publisher.ClearPolicyAsync(device.Id, cancellationToken);
        var erased = false;
        if (erase && telemetry.Enabled)
        {
            await telemetry.EraseDeviceAsync(device.Id, cancellationToken);
            await audit.AppendAsync(caller.AuditName, "device.telemetry-erased", device.Id);
            erased = true;
        }

        return new DecommissionOutcome(time.GetUtcNow(), erased, removed);
    }
}
