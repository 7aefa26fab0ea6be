using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Errors;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;

using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Api;

/// <summary>
/// The guardian's gRPC API. A guardian sees only devices it is paired with; any other device id
/// answers NotFound.
/// </summary>
[Authorize(Roles = Roles.Guardian)]
public sealed class GuardianApi(
    PairingService pairing,
    DeviceRegistry devices,
    PolicyLayers layers,
    PolicyResolver resolver,
    PolicyDistributor distributor,
    IDeviceDownlink publisher,
    AuditLog audit,
    UsageQueries usage,
    TimeProvider time) : GuardianService.GuardianServiceBase
{
    private const uint MaxExtensionMinutes = 480;
    private const int MaxUsageDays = 92;

    public override async Task<PairedDevice> PairDevice(PairDeviceRequest request, ServerCallContext context)
    {
        var paired = await pairing.PairAsync(Caller.From(context), request.PairingCode, request.ChildBirthMonth, request.ChildName);
        // The child's age picks the profile's age band: republish.
        await distributor.RepublishAsync(paired.DeviceId, context.CancellationToken);
        return paired;
    }

    public override async Task<ListDevicesResponse> ListDevices(ListDevicesRequest request, ServerCallContext context) =>
        new() { Devices = { await pairing.ListAsync(Caller.From(context)) } };

    public override async Task<PairingCode> CreatePairingCode(CreatePairingCodeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await pairing.RequireGuardianAsync(caller, request.DeviceId);
        return await pairing.CreateCodeAsOwnerAsync(caller, request.DeviceId);
    }

    public override async Task<RemoveGuardianResponse> RemoveGuardian(RemoveGuardianRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await pairing.RequireGuardianAsync(caller, request.DeviceId);
        return new RemoveGuardianResponse { RemainingGuardians = await pairing.RemoveGuardianAsync(caller, request.DeviceId, request.GuardianId) };
    }

    public override async Task<GuardianSettings> GetGuardianSettings(GetGuardianSettingsRequest request, ServerCallContext context)
    {
        await pairing.RequireGuardianAsync(Caller.From(context), request.DeviceId);
        return await layers.GetGuardianSettingsAsync(request.DeviceId) ?? new GuardianSettings { DeviceId = request.DeviceId, Settings = new PolicySettings() };
    }

    public override async Task<GuardianSettings> SetGuardianSettings(SetGuardianSettingsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await pairing.RequireGuardianAsync(caller, request.DeviceId);
        var device = await devices.FindAsync(request.DeviceId) ?? throw new NotFoundException("device", request.DeviceId);
        var settings = request.Settings ?? new PolicySettings();
        var violations = await distributor.CheckGuardianSettingsAsync(device, settings);
        if (violations.Any)
        {
            throw new InvalidInputException(violations.Items);
        }

        var stored = await layers.SetGuardianSettingsAsync(caller, request.DeviceId, settings, request.ExpectedRevision);
        await distributor.RepublishAsync(request.DeviceId, context.CancellationToken);
        return stored;
    }

    public override async Task<EffectivePolicy> GetEffectivePolicy(GetEffectivePolicyRequest request, ServerCallContext context)
    {
        await pairing.RequireGuardianAsync(Caller.From(context), request.DeviceId);
        var device = await devices.FindAsync(request.DeviceId) ?? throw new NotFoundException("device", request.DeviceId);
        var state = await distributor.StateAsync(request.DeviceId);
        return new EffectivePolicy
        {
            DeviceId = device.Id,
            Settings = (await resolver.ResolveAsync(device)).Settings,
            DesiredVersion = state?.DesiredVersion ?? 0,
            ReportedVersion = state?.ReportedVersion ?? 0,
        };
    }

    public override async Task<GrantExtensionResponse> GrantExtension(GrantExtensionRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await pairing.RequireGuardianAsync(caller, request.DeviceId);
        if (request.ExtraMinutes is 0 or > MaxExtensionMinutes)
        {
            throw new InvalidInputException("extra_minutes", $"must be 1-{MaxExtensionMinutes}");
        }

        var device = await devices.FindAsync(request.DeviceId) ?? throw new NotFoundException("device", request.DeviceId);
        var validUntil = EndOfLocalDay((await resolver.ResolveAsync(device)).Settings);
        var grantId = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) | 1;
        var control = new ControlMessage { Extension = new ExtensionGrant { GrantId = grantId, ExtraMinutes = request.ExtraMinutes, Category = request.Category, ValidUntilUnix = validUntil.ToUnixTimeSeconds() } };
        await audit.AppendAsync(caller.AuditName, "extension.grant", request.DeviceId);
        await publisher.PublishControlAsync(request.DeviceId, control.ToByteArray(), context.CancellationToken);
        return new GrantExtensionResponse { GrantId = grantId, ValidUntil = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(validUntil) };
    }

    public override async Task<Contracts.Api.V1.OfflineCode> CreateOfflineCode(CreateOfflineCodeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await pairing.RequireGuardianAsync(caller, request.DeviceId);
        var grant = request.Kind switch
        {
            OfflineGrantKind.ExtraMinutes when request.Minutes is >= 1 and <= 240 => Device.Core.Enforcement.OfflineCode.ExtraMinutesGrant(request.Minutes),
            OfflineGrantKind.LeaveMinorMode when request.Minutes is >= 1 and <= 2500 => Device.Core.Enforcement.OfflineCode.LeaveMinorModeGrant(request.Minutes),
            OfflineGrantKind.ExtraMinutes or OfflineGrantKind.LeaveMinorMode => throw new InvalidInputException("minutes", "must be 1-240 for extra minutes, 1-2500 to leave minor mode"),
            _ => throw new InvalidInputException("kind", "choose OFFLINE_GRANT_KIND_EXTRA_MINUTES or OFFLINE_GRANT_KIND_LEAVE_MINOR_MODE"),
        };
        var secrets = await devices.SecretsAsync(request.DeviceId);
        var now = time.GetUtcNow();
        var step = now.ToUnixTimeSeconds() / 300;
        var code = Device.Core.Enforcement.OfflineCode.Generate(new DotNetHmacSha256(), secrets.GuardianSecret, step, grant, 8);
        await audit.AppendAsync(caller.AuditName, "offline-code.create", request.DeviceId);
        return new Contracts.Api.V1.OfflineCode { Code = code, ValidUntil = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds((step + 3) * 300)) };
    }

    public override async Task<GetUsageResponse> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        await pairing.RequireGuardianAsync(Caller.From(context), request.DeviceId);
        if (!DateOnly.TryParseExact(request.FromDay, "yyyy-MM-dd", out var from) || !DateOnly.TryParseExact(request.ToDay, "yyyy-MM-dd", out var to) || to < from)
        {
            throw new InvalidInputException("from_day", "from_day and to_day are local days YYYY-MM-DD, from_day first");
        }

        if (to.DayNumber - from.DayNumber >= MaxUsageDays)
        {
            throw new InvalidInputException("to_day", $"at most {MaxUsageDays} days per request");
        }

        if (!usage.Enabled)
        {
            throw new PreconditionFailedException("telemetry storage is not configured (Influx:Url)");
        }

        var device = await devices.FindAsync(request.DeviceId) ?? throw new NotFoundException("device", request.DeviceId);
        var settings = (await resolver.ResolveAsync(device)).Settings;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.HasTimeZone ? settings.TimeZone : "Etc/UTC");
        try
        {
            return new GetUsageResponse { Rows = { await usage.DailyUsageAsync(request.DeviceId, from, to, zone, context.CancellationToken) } };
        }
        catch (HttpRequestException e)
        {
            throw new DependencyUnavailableException("telemetry database unavailable: " + e.Message);
        }
    }

    private DateTimeOffset EndOfLocalDay(PolicySettings settings)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.HasTimeZone ? settings.TimeZone : "Etc/UTC");
        var local = TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone);
        var midnight = new DateTime(local.Year, local.Month, local.Day, 0, 0, 0, DateTimeKind.Unspecified).AddDays(1);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight));
    }
}
