using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.SignIn;

namespace SmartTerminal.WebConsole.Guardians;

/// <summary>The one way a guardian page finds its child: among the signed-in guardian's own devices, so another family's id shows "not your device".</summary>
public static class ChildLookup
{
    /// <summary>The device if it is one of this guardian's, else null.</summary>
    public static async Task<PairedDevice?> FindChildAsync(this PolicyServiceCalls calls, string deviceId, CancellationToken cancellationToken = default) =>
        (await calls.Guardians.ListDevicesAsync(new ListDevicesRequest(), await calls.AsUserAsync(cancellationToken: cancellationToken))).Devices
            .FirstOrDefault(d => d.DeviceId == deviceId);

    /// <summary>The name the guardian gave the child, or the device id when it gave none.</summary>
    public static string DisplayName(this PairedDevice device) => string.IsNullOrEmpty(device.ChildName) ? device.DeviceId : device.ChildName;
}
