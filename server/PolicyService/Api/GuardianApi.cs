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
    LayerStore layers,
    PolicyResolver resolver,
    PolicyDistributor distributor,
    IPolicyPublisher publisher,
    AuditLog audit,
    UsageQueries usage,
    TimeProvider time) : GuardianService.GuardianServiceBase
{
    private const uint MaxExtensionMinutes = 480;
    private const int MaxUsageDays = 92;

    public override async Task<PairedDevice> PairDevice(PairDeviceRequest request, ServerCallContext context)
    {
        var paired = pairing.Pair(Caller.From(context), request.PairingCode, request.ChildBirthMonth, request.ChildName);
        // The child's age picks the profile's age band: republish.
        await distributor.RepublishAsync(paired.DeviceId, context.CancellationToken);
        return paired;
    }

    public override Task<ListDevicesResponse> ListDevices(ListDevicesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListDevicesResponse { Devices = { pairing.List(Caller.From(context)) } });

    public override Task<PairingCode> CreatePairingCode(CreatePairingCodeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        pairing.RequireGuardian(caller, request.DeviceId);
        return Task.FromResult(pairing.CreateCodeAsOwner(caller, request.DeviceId));
    }

    public override Task<RemoveGuardianResponse> RemoveGuardian(RemoveGuardianRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        pairing.RequireGuardian(caller, request.DeviceId);
        return Task.FromResult(new RemoveGuardianResponse { RemainingGuardians = pairing.RemoveGuardian(caller, request.DeviceId, request.GuardianId) });
    }

    public override Task<GuardianSettings> GetGuardianSettings(GetGuardianSettingsRequest request, ServerCallContext context)
    {
        pairing.RequireGuardian(Caller.From(context), request.DeviceId);
        return Task.FromResult(layers.GetGuardianSettings(request.DeviceId) ?? new GuardianSettings { DeviceId = request.DeviceId, Settings = new PolicySettings() });
    }

    public override async Task<GuardianSettings> SetGuardianSettings(SetGuardianSettingsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        pairing.RequireGuardian(caller, request.DeviceId);
        var device = devices.Find(request.DeviceId) ?? throw ApiErrors.NotFound("device", request.DeviceId);
        var settings = request.Settings ?? new PolicySettings();
        var violations = resolver.Validate(device, settings);
        if (!violations.Any)
        {
            distributor.CheckFits(device, settings, violations);
        }

        if (violations.Any)
        {
            throw ApiErrors.Invalid(violations.Items);
        }

        var stored = layers.SetGuardianSettings(caller, request.DeviceId, settings, request.ExpectedRevision);
        await distributor.RepublishAsync(request.DeviceId, context.CancellationToken);
        return stored;
    }

    public override Task<EffectivePolicy> GetEffectivePolicy(GetEffectivePolicyRequest request, ServerCallContext context)
    {
        pairing.RequireGuardian(Caller.From(context), request.DeviceId);
        var device = devices.Find(request.DeviceId) ?? throw ApiErrors.NotFound("device", request.DeviceId);
        var state = distributor.State(request.DeviceId);
        return Task.FromResult(new EffectivePolicy
        {
            DeviceId = device.Id,
            Settings = resolver.Resolve(device).Settings,
            DesiredVersion = state?.DesiredVersion ?? 0,
            ReportedVersion = state?.ReportedVersion ?? 0,
        });
    }

    public override async Task<GrantExtensionResponse> GrantExtension(GrantExtensionRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        pairing.RequireGuardian(caller, request.DeviceId);
        if (request.ExtraMinutes is 0 or > MaxExtensionMinutes)
        {
            throw ApiErrors.Invalid("extra_minutes", $"must be 1-{MaxExtensionMinutes}");
        }

        var device = devices.Find(request.DeviceId) ?? throw ApiErrors.NotFound("device", request.DeviceId);
        var validUntil = EndOfLocalDay(resolver.Resolve(device).Settings);
        var grantId = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) | 1;
        var control = new ControlMessage { Extension = new ExtensionGrant { GrantId = grantId, ExtraMinutes = request.ExtraMinutes, Category = request.Category, ValidUntilUnix = validUntil.ToUnixTimeSeconds() } };
        audit.Append(caller.AuditName, "extension.grant", request.DeviceId);
        await publisher.PublishControlAsync(request.DeviceId, control.ToByteArray(), context.CancellationToken);
        return new GrantExtensionResponse { GrantId = grantId, ValidUntil = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(validUntil) };
    }

    public override Task<Contracts.Api.V1.OfflineCode> CreateOfflineCode(CreateOfflineCodeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        pairing.RequireGuardian(caller, request.DeviceId);
        var grant = request.Kind switch
        {
            OfflineGrantKind.ExtraMinutes when request.Minutes is >= 1 and <= 240 => Device.Core.Enforcement.OfflineCode.ExtraMinutesGrant(request.Minutes),
            OfflineGrantKind.LeaveMinorMode when request.Minutes is >= 1 and <= 2500 => Device.Core.Enforcement.OfflineCode.LeaveMinorModeGrant(request.Minutes),
            OfflineGrantKind.ExtraMinutes or OfflineGrantKind.LeaveMinorMode => throw ApiErrors.Invalid("minutes", "must be 1-240 for extra minutes, 1-2500 to leave minor mode"),
            _ => throw ApiErrors.Invalid("kind", "choose OFFLINE_GRANT_KIND_EXTRA_MINUTES or OFFLINE_GRANT_KIND_LEAVE_MINOR_MODE"),
        };
        var secrets = devices.Secrets(request.DeviceId);
        var now = time.GetUtcNow();
        var step = now.ToUnixTimeSeconds() / 300;
        var code = Device.Core.Enforcement.OfflineCode.Generate(new DotNetHmacSha256(), secrets.GuardianSecret, step, grant, 8);
        audit.Append(caller.AuditName, "offline-code.create", request.DeviceId);
        return Task.FromResult(new Contracts.Api.V1.OfflineCode { Code = code, ValidUntil = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds((step + 3) * 300)) });
    }

    public override async Task<GetUsageResponse> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        pairing.RequireGuardian(Caller.From(context), request.DeviceId);
        if (!DateOnly.TryParseExact(request.FromDay, "yyyy-MM-dd", out var from) || !DateOnly.TryParseExact(request.ToDay, "yyyy-MM-dd", out var to) || to < from)
        {
            throw ApiErrors.Invalid("from_day", "from_day and to_day are local days YYYY-MM-DD, from_day first");
        }

        if (to.DayNumber - from.DayNumber >= MaxUsageDays)
        {
            throw ApiErrors.Invalid("to_day", $"at most {MaxUsageDays} days per request");
        }

        if (!usage.Enabled)
        {
            throw ApiErrors.FailedPrecondition("telemetry storage is not configured (Influx:Url)");
        }

        var device = devices.Find(request.DeviceId) ?? throw ApiErrors.NotFound("device", request.DeviceId);
        var settings = resolver.Resolve(device).Settings;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.HasTimeZone ? settings.TimeZone : "Etc/UTC");
        try
        {
            return new GetUsageResponse { Rows = { await usage.DailyUsageAsync(request.DeviceId, from, to, zone, context.CancellationToken) } };
        }
        catch (HttpRequestException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "telemetry database unavailable: " + e.Message));
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
