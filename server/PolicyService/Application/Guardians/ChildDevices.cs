using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>What pairing with a code would give (<see cref="ChildDevices.PreviewAsync"/>).</summary>
public sealed record PreviewedPairing(bool WouldOwn, int ChildAge, GuardianBounds Bounds, string DeviceId);

/// <summary>A guardian's children: pairing with the code from the box, co-guardians, leaving.</summary>
public sealed class ChildDevices(PairingService pairing, PolicyDistributor distributor, DeviceRegistry devices, PolicyResolver resolver, TimeProvider time)
{
    public async Task<ChildDevice> PairAsync(Caller caller, string code, string birthMonth, string childName, CancellationToken cancellationToken)
    {
        var paired = await pairing.PairAsync(caller, code, birthMonth, childName);
        // The child's age picks the profile's age band: republish.
        await distributor.RepublishAsync(paired.DeviceId, cancellationToken);
        return paired;
    }

    /// <summary>What pairing would give, the code left unused: the bounds of the band the birth month (or, joining, the owner's) selects.</summary>
    public async Task<PreviewedPairing> PreviewAsync(Caller caller, string code, string birthMonth)
    {
        var (deviceId, wouldOwn) = await pairing.PreviewAsync(caller, code, birthMonth);
        var device = await devices.FindAsync(deviceId) ?? throw new NotFoundException("pairing code", "(not valid, used or expired)");
        var child = wouldOwn ? device with { ChildBirthMonth = birthMonth } : device;
        return new PreviewedPairing(wouldOwn, ChildAge.From(child.ChildBirthMonth, time.GetUtcNow().UtcDateTime) ?? 0, await resolver.GuardianBoundsAsync(child), deviceId);
    }

    public Task<IReadOnlyList<ChildDevice>> ListAsync(Caller caller) => pairing.ListAsync(caller);

    /// <summary>A code for a co-guardian; only the owning guardian issues one.</summary>
    public async Task<IssuedPairingCode> CreatePairingCodeAsync(Caller caller, string deviceId)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        return await pairing.CreateCodeAsOwnerAsync(caller, deviceId);
    }

    /// <summary>The device's guardians, as any of them may see them.</summary>
    public async Task<IReadOnlyList<StoredGuardian>> GuardiansAsync(Caller caller, string deviceId)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        return await pairing.GuardiansAsync(deviceId);
    }

    /// <summary>Removes a guardian (the owner removes anyone, others only themselves); returns how many remain.</summary>
    public async Task<int> RemoveGuardianAsync(Caller caller, string deviceId, string guardianId)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        return (int)await pairing.RemoveGuardianAsync(caller, deviceId, guardianId);
    }
}
