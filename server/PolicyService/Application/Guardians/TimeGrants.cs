using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using DeviceOfflineCode = SmartTerminal.Device.Core.Enforcement.OfflineCode;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>What an offline code grants when the child types it in.</summary>
public enum OfflineCodeGrant
{
    ExtraMinutes,
    LeaveMinorMode,
}

/// <summary>An extension sent to the device, valid until the end of the child's local day.</summary>
public sealed record GrantedExtension(ulong GrantId, DateTimeOffset ValidUntil);

/// <summary>An offline code in clear, with the end of the window in which the device accepts it.</summary>
public sealed record IssuedOfflineCode(string Code, DateTimeOffset ValidUntil);

/// <summary>
/// More time for a child: an extension pushed to the device when it is online, or a code the guardian
/// reads out when it is not (design brief section 5). Both are audited.
/// </summary>
public sealed class TimeGrants(PairingService pairing, DeviceRegistry devices, PolicyResolver resolver, IDeviceDownlink downlink, AuditLog audit, TimeProvider time)
{
    public const uint MaxExtensionMinutes = 480;
    public const uint MaxExtraMinutesCode = 240;
    public const uint MaxLeaveMinorModeMinutes = 2500;

    // A code is derived from the 5-minute step it was made in and accepted for three steps.
    private const long CodeStepSeconds = 300;
    private const int CodeStepsValid = 3;
    private const int CodeDigits = 8;

    public async Task<GrantedExtension> GrantExtensionAsync(Caller caller, string deviceId, uint extraMinutes, uint category, CancellationToken cancellationToken)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        if (extraMinutes is 0 or > MaxExtensionMinutes)
        {
            throw new InvalidInputException("extra_minutes", $"must be 1-{MaxExtensionMinutes}");
        }

        if (category >= AppCategories.Count)
        {
            throw new InvalidInputException("category", $"0 (the daily total) or an app category 1-{AppCategories.Count - 1}");
        }

        var device = await devices.FindAsync(deviceId) ?? throw new NotFoundException("device", deviceId);
        var validUntil = ChildDay.EndOf((await resolver.ResolveAsync(device)).Settings, time.GetUtcNow());
        var grantId = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) | 1;
        var control = new ControlMessage { Extension = new ExtensionGrant { GrantId = grantId, ExtraMinutes = extraMinutes, Category = category, ValidUntilUnix = validUntil.ToUnixTimeSeconds() } };
        await audit.AppendAsync(caller.AuditName, "extension.grant", deviceId, AuditJson.Of(new { minutes = extraMinutes, category, grantId }));
        await downlink.PublishControlAsync(deviceId, control.ToByteArray(), cancellationToken);
        return new GrantedExtension(grantId, validUntil);
    }

    /// <summary>A code for the device's offline check; a null grant is a request that named none.</summary>
    public async Task<IssuedOfflineCode> CreateOfflineCodeAsync(Caller caller, string deviceId, OfflineCodeGrant? grant, uint minutes)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        var encoded = grant switch
        {
            null => throw new InvalidInputException("kind", "choose OFFLINE_GRANT_KIND_EXTRA_MINUTES or OFFLINE_GRANT_KIND_LEAVE_MINOR_MODE"),
            OfflineCodeGrant.ExtraMinutes when minutes is >= 1 and <= MaxExtraMinutesCode => DeviceOfflineCode.ExtraMinutesGrant(minutes),
            OfflineCodeGrant.LeaveMinorMode when minutes is >= 1 and <= MaxLeaveMinorModeMinutes => DeviceOfflineCode.LeaveMinorModeGrant(minutes),
            _ => throw new InvalidInputException("minutes", $"must be 1-{MaxExtraMinutesCode} for extra minutes, 1-{MaxLeaveMinorModeMinutes} to leave minor mode"),
        };
        var secrets = await devices.SecretsAsync(deviceId);
        var step = time.GetUtcNow().ToUnixTimeSeconds() / CodeStepSeconds;
        var code = DeviceOfflineCode.Generate(new DotNetHmacSha256(), secrets.GuardianSecret, step, encoded, CodeDigits);
        // The code itself never goes into the log: only what it grants.
        await audit.AppendAsync(caller.AuditName, "offline-code.create", deviceId, AuditJson.Of(new { grant = grant.ToString(), minutes }));
        return new IssuedOfflineCode(code, DateTimeOffset.FromUnixTimeSeconds((step + CodeStepsValid) * CodeStepSeconds));
    }
}
