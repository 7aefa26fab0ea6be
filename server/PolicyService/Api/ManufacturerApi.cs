using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Application.Devices;
using SmartTerminal.PolicyService.Application.Fleets;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Api;

/// <summary>The manufacturer's gRPC API: maps messages to the fleet and device use cases.</summary>
[Authorize(Roles = Roles.Manufacturer)]
public sealed class ManufacturerApi(RegulationProfiles profiles, FleetManagement fleets, DeviceProvisioning provisioning) : ManufacturerService.ManufacturerServiceBase
{
    public override Task<ListRegulationProfilesResponse> ListRegulationProfiles(ListRegulationProfilesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListRegulationProfilesResponse { Profiles = { profiles.All } });

    public override async Task<Fleet> CreateFleet(CreateFleetRequest request, ServerCallContext context) =>
        (await fleets.CreateFleetAsync(Caller.From(context), request.Name, request.RegulationProfileId)).ToMessage();

    public override async Task<ListFleetsResponse> ListFleets(ListFleetsRequest request, ServerCallContext context) =>
        new() { Fleets = { (await fleets.ListFleetsAsync(Caller.From(context))).Select(f => f.ToMessage()) } };

    public override async Task<DeviceModel> CreateModel(CreateModelRequest request, ServerCallContext context) =>
        (await fleets.CreateModelAsync(Caller.From(context), request.FleetId, request.Name)).ToMessage();

    public override async Task<SetBaselineResponse> SetBaseline(SetBaselineRequest request, ServerCallContext context)
    {
        var (baseline, rollout) = await fleets.SetBaselineAsync(
            Caller.From(context), request.FleetId, request.ModelId, request.AgeBands, request.HasExpectedRevision ? request.ExpectedRevision : null);
        return new SetBaselineResponse { Baseline = baseline, Rollout = rollout.ToMessage() };
    }

    public override Task<Baseline> GetBaseline(GetBaselineRequest request, ServerCallContext context) =>
        fleets.GetBaselineAsync(Caller.From(context), request.FleetId, request.ModelId);

    public override async Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context) =>
        (await provisioning.RegisterAsync(Caller.From(context), request.FleetId, request.ModelId, request.SerialNumber, context.CancellationToken)).ToMessage();

    public override async Task<RegisterDeviceResponse> RotateDeviceKeys(RotateDeviceKeysRequest request, ServerCallContext context) =>
        (await provisioning.RotateKeysAsync(Caller.From(context), request.DeviceId, request.Reason, context.CancellationToken)).ToMessage();

    public override async Task<PairingCodeIssued> ReissuePairingCode(ReissuePairingCodeRequest request, ServerCallContext context)
    {
        var (code, removed) = await provisioning.ReissuePairingCodeAsync(Caller.From(context), request.DeviceId, request.Reason, context.CancellationToken);
        return new PairingCodeIssued { PairingCode = code.Code, GuardiansRemoved = (uint)removed };
    }

    public override async Task<DecommissionDeviceResponse> DecommissionDevice(DecommissionDeviceRequest request, ServerCallContext context) =>
        (await provisioning.DecommissionAsync(Caller.From(context), request.DeviceId, request.Reason, context.CancellationToken)).ToMessage();

    public override async Task<Rollout> GetRollout(GetRolloutRequest request, ServerCallContext context) =>
        (await fleets.GetRolloutAsync(Caller.From(context), request.RolloutId)).ToMessage();

    public override async Task<ListFirmwareVersionsResponse> ListFirmwareVersions(ListFirmwareVersionsRequest request, ServerCallContext context)
    {
        var (versions, unknown, other) = await fleets.FirmwareAsync(Caller.From(context), request.FleetId);
        return new ListFirmwareVersionsResponse
        {
            Versions = { versions.Select(v => new FirmwareVersionCount { Version = v.Version, Devices = (uint)v.Devices }) },
            UnknownDevices = (uint)unknown,
            OtherDevices = (uint)other,
        };
    }

    public override async Task<ListRolloutsResponse> ListRollouts(ListRolloutsRequest request, ServerCallContext context) =>
        new() { Rollouts = { (await fleets.ListRolloutsAsync(Caller.From(context), request.FleetId, (int)Math.Min(request.PageSize, FleetManagement.MaxRollouts + 1))).Select(r => r.ToMessage()) } };

    public override async Task<ListLaggingDevicesResponse> ListLaggingDevices(ListLaggingDevicesRequest request, ServerCallContext context)
    {
        var (lagging, next) = await fleets.ListLaggingAsync(
            Caller.From(context), request.FleetId, TimeSpan.FromSeconds(request.MinLagSeconds), request.HasLastRefusal ? ApiMessages.ParseRefusal(request.LastRefusal, "last_refusal") : null, (int)Math.Min(request.PageSize, FleetManagement.MaxPageSize), request.PageToken);
        return new ListLaggingDevicesResponse { Devices = { lagging.Select(d => d.ToMessage()) }, NextPageToken = next };
    }
}
