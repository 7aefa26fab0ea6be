using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Broker;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Api;

/// <summary>The manufacturer's gRPC API: maps messages to the registry and policy services.</summary>
[Authorize(Roles = Roles.Manufacturer)]
public sealed class ManufacturerApi(
    RegulationProfiles profiles,
    FleetRegistry fleets,
    DeviceRegistry devices,
    PairingService pairing,
    LayerStore layers,
    PolicyDistributor distributor,
    RolloutService rollouts,
    IDeviceSessions sessions,
    DeviceLifecycle lifecycle,
    AuditLog audit) : ManufacturerService.ManufacturerServiceBase
{
    private const int MaxReasonLength = 500;

    public override Task<ListRegulationProfilesResponse> ListRegulationProfiles(ListRegulationProfilesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListRegulationProfilesResponse { Profiles = { profiles.All } });

    public override Task<Fleet> CreateFleet(CreateFleetRequest request, ServerCallContext context) =>
        Task.FromResult(fleets.Create(Caller.From(context), request.Name, request.RegulationProfileId));

    public override Task<ListFleetsResponse> ListFleets(ListFleetsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListFleetsResponse { Fleets = { fleets.List(Caller.From(context)) } });

    public override Task<DeviceModel> CreateModel(CreateModelRequest request, ServerCallContext context) =>
        Task.FromResult(fleets.CreateModel(Caller.From(context), request.FleetId, request.Name));

    public override Task<SetBaselineResponse> SetBaseline(SetBaselineRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var profileId = fleets.RequireManaged(caller, request.FleetId);
        if (request.ModelId.Length > 0)
        {
            fleets.RequireModel(request.FleetId, request.ModelId);
        }

        var baseline = layers.SetBaseline(caller, request.FleetId, request.ModelId, profileId, request.AgeBands);
        return Task.FromResult(new SetBaselineResponse { Baseline = baseline, Rollout = rollouts.Start(request.FleetId, request.ModelId) });
    }

    public override Task<Baseline> GetBaseline(GetBaselineRequest request, ServerCallContext context)
    {
        fleets.RequireManaged(Caller.From(context), request.FleetId);
        return Task.FromResult(layers.GetBaseline(request.FleetId, request.ModelId)
            ?? throw ApiErrors.NotFound("baseline", request.ModelId.Length == 0 ? request.FleetId : $"{request.FleetId}/{request.ModelId}"));
    }

    public override async Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        fleets.RequireManaged(caller, request.FleetId);
        if (request.ModelId.Length > 0)
        {
            fleets.RequireModel(request.FleetId, request.ModelId);
        }

        var (device, response) = devices.Register(caller, request.FleetId, request.ModelId, request.SerialNumber);
        response.PairingCode = pairing.CreateBoxCode(device.Id).Code;
        response.InitialPolicy = Google.Protobuf.ByteString.CopyFrom(await distributor.RepublishAsync(device.Id, context.CancellationToken));
        return response;
    }

    public override async Task<RegisterDeviceResponse> RotateDeviceKeys(RotateDeviceKeysRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var device = devices.Find(request.DeviceId);
        fleets.RequireManaged(caller, device?.FleetId, "device", request.DeviceId);
        var (_, response) = devices.Rotate(caller, device!, LimitedReason(request.Reason));
        await sessions.DisconnectAsync(device!.Id, context.CancellationToken);
        response.InitialPolicy = Google.Protobuf.ByteString.CopyFrom(await distributor.RepublishAsync(device.Id, context.CancellationToken));
        return response;
    }

    public override async Task<PairingCodeIssued> ReissuePairingCode(ReissuePairingCodeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var device = devices.Find(request.DeviceId);
        fleets.RequireManaged(caller, device?.FleetId, "device", request.DeviceId);
        var (code, removed) = pairing.Reissue(caller, device!.Id, LimitedReason(request.Reason));
        // The child's age band is gone with the family: the device falls back to the youngest band.
        await distributor.RepublishAsync(device.Id, context.CancellationToken);
        return new PairingCodeIssued { PairingCode = code.Code, GuardiansRemoved = (uint)removed };
    }

    public override async Task<DecommissionDeviceResponse> DecommissionDevice(DecommissionDeviceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var device = devices.Find(request.DeviceId, includeDecommissioned: true);
        fleets.RequireManaged(caller, device?.FleetId, "device", request.DeviceId);
        var profileId = fleets.RequireManaged(caller, device!.FleetId);
        return await lifecycle.DecommissionAsync(caller, device, profileId, LimitedReason(request.Reason), context.CancellationToken);
    }

    private static string LimitedReason(string reason) =>
        reason.Length <= MaxReasonLength ? reason : throw ApiErrors.Invalid("reason", $"at most {MaxReasonLength} characters");

    public override Task<Rollout> GetRollout(GetRolloutRequest request, ServerCallContext context)
    {
        var rollout = rollouts.Get(request.RolloutId, out var fleetId);
        fleets.RequireManaged(Caller.From(context), rollout is null ? null : fleetId, "rollout", request.RolloutId);
        return Task.FromResult(rollout!);
    }

    public override Task<ListLaggingDevicesResponse> ListLaggingDevices(ListLaggingDevicesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        fleets.RequireManaged(caller, request.FleetId);
        var pageSize = request.PageSize == 0 ? 100 : (int)Math.Min(request.PageSize, 1000);
        var (lagging, next) = distributor.Lagging(request.FleetId, TimeSpan.FromSeconds(request.MinLagSeconds), pageSize, request.PageToken);
        audit.Append(caller.AuditName, "device-state.read", request.FleetId);
        return Task.FromResult(new ListLaggingDevicesResponse { Devices = { lagging }, NextPageToken = next });
    }
}
