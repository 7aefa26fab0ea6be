using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Application.Guardians;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Api;

/// <summary>
/// The guardian's gRPC API: maps messages to the guardian use cases. A guardian sees only devices it
/// is paired with; any other device id answers NotFound.
/// </summary>
[Authorize(Roles = Roles.Guardian)]
public sealed class GuardianApi(ChildDevices children, ChildPolicy policy, TimeGrants grants, ChildUsage usage, ChildHistory history, ChildRequests requests) : GuardianService.GuardianServiceBase
{
    public override async Task<PairedDevice> PairDevice(PairDeviceRequest request, ServerCallContext context) =>
        (await children.PairAsync(Caller.From(context), request.PairingCode, request.ChildBirthMonth, request.ChildName, context.CancellationToken)).ToMessage();

    public override async Task<PairingPreview> PreviewPairing(PairDeviceRequest request, ServerCallContext context)
    {
        var preview = await children.PreviewAsync(Caller.From(context), request.PairingCode, request.ChildBirthMonth);
        return new() { WouldOwn = preview.WouldOwn, ChildAge = (uint)Math.Max(0, preview.ChildAge), Bounds = preview.Bounds.ToMessage(preview.DeviceId) };
    }

    public override async Task<ListDevicesResponse> ListDevices(ListDevicesRequest request, ServerCallContext context) =>
        new() { Devices = { (await children.ListAsync(Caller.From(context))).Select(d => d.ToMessage()) } };

    public override async Task<PairingCode> CreatePairingCode(CreatePairingCodeRequest request, ServerCallContext context) =>
        (await children.CreatePairingCodeAsync(Caller.From(context), request.DeviceId)).ToMessage();

    public override async Task<ListGuardiansResponse> ListGuardians(ListGuardiansRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        return new()
        {
            Guardians =
            {
                (await children.GuardiansAsync(caller, request.DeviceId)).Select(g => new DeviceGuardian
                {
                    GuardianId = g.GuardianId,
                    Owner = g.Owner,
                    PairedAt = DateTimeOffset.FromUnixTimeMilliseconds(g.PairedAt).ToTimestamp(),
                    IsCaller = g.GuardianId == caller.Id,
                }),
            },
        };
    }

    public override async Task<RemoveGuardianResponse> RemoveGuardian(RemoveGuardianRequest request, ServerCallContext context) =>
        new() { RemainingGuardians = (uint)await children.RemoveGuardianAsync(Caller.From(context), request.DeviceId, request.GuardianId) };

    public override Task<GuardianSettings> GetGuardianSettings(GetGuardianSettingsRequest request, ServerCallContext context) =>
        policy.GetSettingsAsync(Caller.From(context), request.DeviceId);

    public override Task<GuardianSettings> SetGuardianSettings(SetGuardianSettingsRequest request, ServerCallContext context) =>
        policy.SetSettingsAsync(Caller.From(context), request.DeviceId, request.Settings ?? new PolicySettings(), request.HasExpectedRevision ? request.ExpectedRevision : null, context.CancellationToken);

    public override async Task<SettingsBounds> GetSettingsBounds(GetSettingsBoundsRequest request, ServerCallContext context) =>
        (await policy.GetBoundsAsync(Caller.From(context), request.DeviceId)).ToMessage(request.DeviceId);

    public override async Task<EffectivePolicy> GetEffectivePolicy(GetEffectivePolicyRequest request, ServerCallContext context)
    {
        var effective = await policy.GetEffectiveAsync(Caller.From(context), request.DeviceId);
        return new EffectivePolicy
        {
            DeviceId = effective.DeviceId,
            Settings = effective.Settings,
            DesiredVersion = effective.DesiredVersion,
            ReportedVersion = effective.ReportedVersion,
        };
    }

    public override async Task<ListRequestsResponse> ListRequests(ListRequestsRequest request, ServerCallContext context) =>
        new() { Requests = { await requests.ListAsync(Caller.From(context), request.DeviceId) } };

    public override Task<ChildRequest> AnswerRequest(AnswerRequestRequest request, ServerCallContext context) =>
        requests.AnswerAsync(Caller.From(context), request.DeviceId, request.RequestId, request.Approve, request.Minutes, context.CancellationToken);

    public override async Task<GrantExtensionResponse> GrantExtension(GrantExtensionRequest request, ServerCallContext context)
    {
        var granted = await grants.GrantExtensionAsync(Caller.From(context), request.DeviceId, request.ExtraMinutes, request.Category, context.CancellationToken);
        return new GrantExtensionResponse { GrantId = granted.GrantId, ValidUntil = granted.ValidUntil.ToTimestamp() };
    }

    public override async Task<OfflineCode> CreateOfflineCode(CreateOfflineCodeRequest request, ServerCallContext context)
    {
        OfflineCodeGrant? grant = request.Kind switch
        {
            OfflineGrantKind.ExtraMinutes => OfflineCodeGrant.ExtraMinutes,
            OfflineGrantKind.LeaveMinorMode => OfflineCodeGrant.LeaveMinorMode,
            _ => null,
        };
        var code = await grants.CreateOfflineCodeAsync(Caller.From(context), request.DeviceId, grant, request.Minutes);
        return new OfflineCode { Code = code.Code, ValidUntil = code.ValidUntil.ToTimestamp() };
    }

    public override async Task<GetUsageResponse> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        var (rows, completeThrough) = await usage.DailyAsync(Caller.From(context), request.DeviceId, request.FromDay, request.ToDay, context.CancellationToken);
        return new GetUsageResponse { Rows = { rows.Select(r => r.ToMessage()) }, UsageCompleteThrough = completeThrough.ToTimestamp() };
    }

    public override async Task<DeviceHistory> ListDeviceHistory(ListDeviceHistoryRequest request, ServerCallContext context)
    {
        var page = await history.ListAsync(Caller.From(context), request.DeviceId, request.From?.ToDateTimeOffset(), request.To?.ToDateTimeOffset(), request.Limit, context.CancellationToken);
        return new DeviceHistory
        {
            Entries =
            {
                page.Entries.Select(e => new HistoryEntry
                {
                    At = e.At.ToTimestamp(),
                    Kind = e.Kind,
                    Actor = e.Actor,
                    Minutes = e.Minutes,
                    ChangedSettings = { e.ChangedSettings },
                    GuardianId = e.GuardianId,
                    RequestKind = e.RequestKind,
                }),
            },
            Truncated = page.Truncated,
            DeviceEntriesUnavailable = page.DeviceEntriesUnavailable,
        };
    }
}
