using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Broker;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Errors;
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
    PolicyLayers layers,
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
        fleets.CreateAsync(Caller.From(context), request.Name, request.RegulationProfileId);

    public override async Task<ListFleetsResponse> ListFleets(ListFleetsRequest request, ServerCallContext context) =>
        new() { Fleets = { await fleets.ListAsync(Caller.From(context)) } };

    public override Task<DeviceModel> CreateModel(CreateModelRequest request, ServerCallContext context) =>
        fleets.CreateModelAsync(Caller.From(context), request.FleetId, request.Name);

    public override async Task<SetBaselineResponse> SetBaseline(SetBaselineRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var profileId = await fleets.RequireManagedAsync(caller, request.FleetId);
        if (request.ModelId.Length > 0)
        {
            await fleets.RequireModelAsync(request.FleetId, request.ModelId);
        }

        var baseline = await layers.SetBaselineAsync(caller, request.FleetId, request.ModelId, profileId, request.AgeBands);
        return new SetBaselineResponse { Baseline = baseline, Rollout = await rollouts.StartAsync(request.FleetId, request.ModelId) };
    }

    public override async Task<Baseline> GetBaseline(GetBaselineRequest request, ServerCallContext context)
    {
        await fleets.RequireManagedAsync(Caller.From(context), request.FleetId);
        return await layers.GetBaselineAsync(request.FleetId, request.ModelId)
            ?? throw new NotFoundException("baseline", request.ModelId.Length == 0 ? request.FleetId : $"{request.FleetId}/{request.ModelId}");
    }

    public override async Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await fleets.RequireManagedAsync(caller, request.FleetId);
        if (request.ModelId.Length > 0)
        {
            await fleets.RequireModelAsync(request.FleetId, request.ModelId);
        }

        var (device, response) = await devices.RegisterAsync(caller, request.FleetId, request.ModelId, request.SerialNumber);
        response.PairingCode = (await pairing.CreateBoxCodeAsync(device.Id)).Code;
        response.InitialPolicy = Google.Protobuf.ByteString.CopyFrom(await distributor.RepublishAsync(device.Id, context.CancellationToken));
        return response;
    }

    public override async Task<RegisterDeviceResponse> RotateDeviceKeys(RotateDeviceKeysRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var device = await devices.FindAsync(request.DeviceId);
        await fleets.RequireManagedAsync(caller, device?.FleetId, "device", request.DeviceId);
        var (_, response) = await devices.RotateAsync(caller, device!, LimitedReason(request.Reason));
        await sessions.DisconnectAsync(device!.Id, context.CancellationToken);
        response.InitialPolicy = Google.Protobuf.ByteString.CopyFrom(await distributor.RepublishAsync(device.Id, context.CancellationToken));
        return response;
    }

    public override async Task<PairingCodeIssued> ReissuePairingCode(ReissuePairingCodeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var device = await devices.FindAsync(request.DeviceId);
        await fleets.RequireManagedAsync(caller, device?.FleetId, "device", request.DeviceId);
        var (code, removed) = await pairing.ReissueAsync(caller, device!.Id, LimitedReason(request.Reason));
        // The child's age band is gone with the family: the device falls back to the youngest band.
        await distributor.RepublishAsync(device.Id, context.CancellationToken);
        return new PairingCodeIssued { PairingCode = code.Code, GuardiansRemoved = (uint)removed };
    }

    public override async Task<DecommissionDeviceResponse> DecommissionDevice(DecommissionDeviceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var device = await devices.FindAsync(request.DeviceId, includeDecommissioned: true);
        await fleets.RequireManagedAsync(caller, device?.FleetId, "device", request.DeviceId);
        var profileId = await fleets.RequireManagedAsync(caller, device!.FleetId);
        return await lifecycle.DecommissionAsync(caller, device, profileId, LimitedReason(request.Reason), context.CancellationToken);
    }

    private static string LimitedReason(string reason) =>
        reason.Length <= MaxReasonLength ? reason : throw new InvalidInputException("reason", $"at most {MaxReasonLength} characters");

    public override async Task<Rollout> GetRollout(GetRolloutRequest request, ServerCallContext context)
    {
        var found = await rollouts.GetAsync(request.RolloutId);
        await fleets.RequireManagedAsync(Caller.From(context), found?.FleetId, "rollout", request.RolloutId);
        return found!.Value.Rollout;
    }

    public override async Task<ListLaggingDevicesResponse> ListLaggingDevices(ListLaggingDevicesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await fleets.RequireManagedAsync(caller, request.FleetId);
        var pageSize = request.PageSize == 0 ? 100 : (int)Math.Min(request.PageSize, 1000);
        var (lagging, next) = await distributor.LaggingAsync(request.FleetId, TimeSpan.FromSeconds(request.MinLagSeconds), pageSize, request.PageToken);
        await audit.AppendAsync(caller.AuditName, "device-state.read", request.FleetId);
        return new ListLaggingDevicesResponse { Devices = { lagging }, NextPageToken = next };
    }
}
