using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>A guardian's children: pairing with the code from the box, co-guardians, leaving.</summary>
public sealed class ChildDevices(PairingService pairing, PolicyDistributor distributor)
{
    public async Task<ChildDevice> PairAsync(Caller caller, string code, string birthMonth, string childName, CancellationToken cancellationToken)
    {
        var paired = await pairing.PairAsync(caller, code, birthMonth, childName);
        // The child's age picks the profile's age band: republish.
        await distributor.RepublishAsync(paired.DeviceId, cancellationToken);
        return paired;
    }

    public Task<IReadOnlyList<ChildDevice>> ListAsync(Caller caller) => pairing.ListAsync(caller);

    /// <summary>A code for a co-guardian; only the owning guardian issues one.</summary>
    public async Task<IssuedPairingCode> CreatePairingCodeAsync(Caller caller, string deviceId)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        return await pairing.CreateCodeAsOwnerAsync(caller, deviceId);
    }

    /// <summary>Removes a guardian (the owner removes anyone, others only themselves); returns how many remain.</summary>
    public async Task<int> RemoveGuardianAsync(Caller caller, string deviceId, string guardianId)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        return (int)await pairing.RemoveGuardianAsync(caller, deviceId, guardianId);
    }
}
