using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>The policy a guardian sees and sets: effective settings and where the device stands with them.</summary>
public sealed record EffectivePolicyView(string DeviceId, PolicySettings Settings, ulong DesiredVersion, ulong ReportedVersion);

/// <summary>
/// The guardian's layer of a child's policy: read, checked against the national profile and the
/// manufacturer's baseline before it is stored (optimistic revision), and republished.
/// </summary>
public sealed class ChildPolicy(PairingService pairing, DeviceRegistry devices, PolicyLayers layers, PolicyResolver resolver, PolicyDistributor distributor)
{
    public async Task<GuardianSettings> GetSettingsAsync(Caller caller, string deviceId)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        return await layers.GetGuardianSettingsAsync(deviceId) ?? new GuardianSettings { DeviceId = deviceId, Settings = new PolicySettings() };
    }

    public async Task<GuardianSettings> SetSettingsAsync(Caller caller, string deviceId, PolicySettings settings, ulong? expectedRevision, CancellationToken cancellationToken)
    {
        var device = await PairedDeviceAsync(caller, deviceId);
        var violations = await distributor.CheckGuardianSettingsAsync(device, settings);
        if (violations.Any)
        {
            throw new InvalidInputException(violations.Items);
        }

        var stored = await layers.SetGuardianSettingsAsync(caller, deviceId, settings, expectedRevision);
        await distributor.RepublishAsync(deviceId, cancellationToken);
        return stored;
    }

    /// <summary>The bounds a change must keep, read before the guardian edits (the same ones <see cref="SetSettingsAsync"/> checks).</summary>
    public async Task<GuardianBounds> GetBoundsAsync(Caller caller, string deviceId) =>
        await resolver.GuardianBoundsAsync(await PairedDeviceAsync(caller, deviceId));

    public async Task<EffectivePolicyView> GetEffectiveAsync(Caller caller, string deviceId)
    {
        var device = await PairedDeviceAsync(caller, deviceId);
        var state = await distributor.StateAsync(deviceId);
        return new EffectivePolicyView(device.Id, (await resolver.ResolveAsync(device)).Settings, state?.DesiredVersion ?? 0, state?.ReportedVersion ?? 0);
    }

    private async Task<DeviceRecord> PairedDeviceAsync(Caller caller, string deviceId)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        return await devices.FindAsync(deviceId) ?? throw new NotFoundException("device", deviceId);
    }
}
