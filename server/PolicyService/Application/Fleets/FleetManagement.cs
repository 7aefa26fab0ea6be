using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Application.Fleets;

/// <summary>A manufacturer's fleets, models and baselines, and the rollouts a baseline change starts.</summary>
public sealed class FleetManagement(FleetRegistry fleets, PolicyLayers layers, RolloutService rollouts, PolicyDistributor distributor, AuditLog audit)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    public const int DefaultRollouts = 10;
    public const int MaxRollouts = 50;

    public Task<FleetSummary> CreateFleetAsync(Caller caller, string name, string profileId) => fleets.CreateAsync(caller, name, profileId);

    public Task<IReadOnlyList<FleetSummary>> ListFleetsAsync(Caller caller) => fleets.ListAsync(caller);

    public Task<ModelRecord> CreateModelAsync(Caller caller, string fleetId, string name) => fleets.CreateModelAsync(caller, fleetId, name);

    /// <summary>Stores the fleet's (or one model's) baseline and starts republishing every affected device.</summary>
    public async Task<(Baseline Baseline, RolloutProgress Rollout)> SetBaselineAsync(Caller caller, string fleetId, string modelId, IEnumerable<AgeBandPolicy> bands, ulong? expectedRevision = null)
    {
        var profileId = await fleets.RequireManagedAsync(caller, fleetId);
        if (modelId.Length > 0)
        {
            await fleets.RequireModelAsync(fleetId, modelId);
        }

        var baseline = await layers.SetBaselineAsync(caller, fleetId, modelId, profileId, bands, expectedRevision);
        return (baseline, await rollouts.StartAsync(fleetId, modelId, baseline.Revision));
    }

    public async Task<Baseline> GetBaselineAsync(Caller caller, string fleetId, string modelId)
    {
        await fleets.RequireManagedAsync(caller, fleetId);
        return await layers.GetBaselineAsync(fleetId, modelId)
            ?? throw new NotFoundException("baseline", modelId.Length == 0 ? fleetId : $"{fleetId}/{modelId}");
    }

    public async Task<RolloutProgress> GetRolloutAsync(Caller caller, string rolloutId)
    {
        var found = await rollouts.GetAsync(rolloutId);
        await fleets.RequireManagedAsync(caller, found?.FleetId, "rollout", rolloutId);
        return found!;
    }

    public const int ListedFirmwareVersions = 20;

    /// <summary>The fleet's firmware versions, most devices first: the first <see cref="ListedFirmwareVersions"/>, and the devices on others or on none.</summary>
    public async Task<(IReadOnlyList<FirmwareCount> Versions, long Unknown, long Other)> FirmwareAsync(Caller caller, string fleetId)
    {
        await fleets.RequireManagedAsync(caller, fleetId);
        // Every version's count (a fleet has a few dozen at most; the devices are counted in the database).
        var all = await distributor.FirmwareAsync(fleetId);
        var known = all.Where(v => v.Version is not null).ToList();
        return ([.. known.Take(ListedFirmwareVersions)], all.Where(v => v.Version is null).Sum(v => v.Devices), known.Skip(ListedFirmwareVersions).Sum(v => v.Devices));
    }

    /// <summary>The fleet's newest rollouts (at most <see cref="MaxRollouts"/>).</summary>
    public async Task<IReadOnlyList<RolloutProgress>> ListRolloutsAsync(Caller caller, string fleetId, int count)
    {
        await fleets.RequireManagedAsync(caller, fleetId);
        return await rollouts.RecentAsync(fleetId, count == 0 ? DefaultRollouts : Math.Clamp(count, 1, MaxRollouts));
    }

    /// <summary>A page of the fleet's devices lagging by at least minLag (a read of device state, so audited).</summary>
    public async Task<(IReadOnlyList<DevicePolicyStatus> Devices, string NextPageToken)> ListLaggingAsync(Caller caller, string fleetId, TimeSpan minLag, Contracts.Device.V1.PolicyRefusal? refusal, int pageSize, string pageToken)
    {
        await fleets.RequireManagedAsync(caller, fleetId);
        var page = await distributor.LaggingAsync(fleetId, minLag, refusal, pageSize == 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize), pageToken);
        await audit.AppendAsync(caller.AuditName, "device-state.read", fleetId);
        return page;
    }
}
