using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Broker;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// The end of a unit's life: decommissioning revokes its credentials (and ends the session that used
/// them), clears its retained policy, removes guardians and codes, and keeps or erases its data as the
/// fleet's regulation profile says. Idempotent: calling it again repeats what could not be done the
/// first time (an erase while InfluxDB was down).
/// </summary>
public sealed class DeviceLifecycle(
    Database database,
    DeviceRegistry devices,
    PairingService pairing,
    RegulationProfiles profiles,
    IDeviceSessions sessions,
    IPolicyPublisher publisher,
    UsageQueries telemetry,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<DecommissionDeviceResponse> DecommissionAsync(Caller caller, DeviceRecord device, string profileId, string reason, CancellationToken cancellationToken)
    {
        var erase = profiles.Find(profileId)?.DataRetention?.EraseOnDecommission ?? false;
        int removed;
        using (var connection = database.Open())
        using (var transaction = connection.BeginTransaction())
        {
            var first = devices.MarkDecommissioned(connection, transaction, device.Id, erase);
            removed = pairing.RemoveAll(connection, transaction, device.Id);
            if (erase)
            {
                using var forget = connection.CreateCommand();
                forget.Transaction = transaction;
                forget.CommandText = "DELETE FROM quarantined_uplinks WHERE device_id = $d; DELETE FROM quarantine_overflow WHERE device_id = $d";
                forget.Parameters.AddWithValue("$d", device.Id);
                forget.ExecuteNonQuery();
            }

            audit.Append(connection, transaction, caller.AuditName, first ? "device.decommission" : "device.decommission.repeat", device.Id,
                afterJson: AuditJson.Of(new { reason, eraseData = erase, guardiansRemoved = removed }));
            transaction.Commit();
        }

        // After the commit, so a failure here is repeated by calling again; the login already fails.
        await sessions.DisconnectAsync(device.Id, cancellationToken);
        await publisher.ClearPolicyAsync(device.Id, cancellationToken);
        var erased = false;
        if (erase && telemetry.Enabled)
        {
            await telemetry.EraseDeviceAsync(device.Id, cancellationToken);
            audit.Append(caller.AuditName, "device.telemetry-erased", device.Id);
            erased = true;
        }

        return new DecommissionDeviceResponse
        {
            DecommissionedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            DataErased = erased,
            GuardiansRemoved = (uint)removed,
        };
    }
}
