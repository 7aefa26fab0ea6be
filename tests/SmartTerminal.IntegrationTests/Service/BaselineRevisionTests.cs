using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>
/// Two people editing a fleet's baseline from the same revision: one change is stored, the other is
/// refused with ABORTED (not silently overwritten); and the fleet's rollouts are listed newest first
/// with the revision that started each.
/// </summary>
public sealed class BaselineRevisionTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    private static SetBaselineRequest Change(FleetScenario fleet, uint dailyMinutes, ulong? expected)
    {
        var request = new SetBaselineRequest
        {
            FleetId = fleet.Fleet.Id,
            AgeBands = { new AgeBandPolicy { MinAge = 0, MaxAge = 3, Defaults = new PolicySettings { DailyMinutes = dailyMinutes } } },
        };
        if (expected is { } revision)
        {
            request.ExpectedRevision = revision;
        }

        return request;
    }

    [Fact]
    public async Task Of_changes_made_at_once_from_the_same_revision_one_is_stored_and_the_others_are_refused()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            try
            {
                return (Minutes: 20u + (uint)i, Status: StatusCode.OK, Revision: (await fleet.Manufacturers.SetBaselineAsync(Change(fleet, 20u + (uint)i, expected: 0), fleet.AsManufacturer)).Baseline.Revision);
            }
            catch (RpcException e)
            {
                return (Minutes: 20u + (uint)i, Status: e.StatusCode, Revision: 0ul);
            }
        }));

        var stored = Assert.Single(attempts, a => a.Status == StatusCode.OK);
        Assert.All(attempts.Where(a => a != stored), a => Assert.Equal(StatusCode.Aborted, a.Status));
        var baseline = await fleet.Manufacturers.GetBaselineAsync(new GetBaselineRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer);
        Assert.Equal((1ul, stored.Minutes), (baseline.Revision, baseline.AgeBands.Single().Defaults.DailyMinutes));

        // From the stored revision the next change goes in; from a stale one it does not; without one it overwrites.
        var stale = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Manufacturers.SetBaselineAsync(Change(fleet, 30, expected: 0), fleet.AsManufacturer));
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Contains("revision is 1", stale.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2ul, (await fleet.Manufacturers.SetBaselineAsync(Change(fleet, 31, expected: 1), fleet.AsManufacturer)).Baseline.Revision);
        Assert.Equal(3ul, (await fleet.Manufacturers.SetBaselineAsync(Change(fleet, 32, expected: null), fleet.AsManufacturer)).Baseline.Revision);
    }

    [Fact]
    public async Task The_fleets_rollouts_are_listed_newest_first_with_the_revision_that_started_them()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        await fleet.RegisterAsync();
        await fleet.RegisterAsync();
        var first = await fleet.Manufacturers.SetBaselineAsync(Change(fleet, 20, expected: 0), fleet.AsManufacturer);
        var second = await fleet.Manufacturers.SetBaselineAsync(Change(fleet, 25, expected: 1), fleet.AsManufacturer);

        var listed = (await fleet.Manufacturers.ListRolloutsAsync(new ListRolloutsRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer)).Rollouts;

        Assert.Equal([second.Rollout.Id, first.Rollout.Id], listed.Select(r => r.Id));
        Assert.Equal([2ul, 1ul], listed.Select(r => r.BaselineRevision));
        Assert.All(listed, r => Assert.Equal((fleet.Fleet.Id, string.Empty, 2u), (r.FleetId, r.ModelId, r.TotalDevices)));
        Assert.Equal(second.Rollout.Id, Assert.Single((await fleet.Manufacturers.ListRolloutsAsync(new ListRolloutsRequest { FleetId = fleet.Fleet.Id, PageSize = 1 }, fleet.AsManufacturer)).Rollouts).Id);
        var fetched = await fleet.Manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = first.Rollout.Id }, fleet.AsManufacturer);
        Assert.Equal((1ul, fleet.Fleet.Id), (fetched.BaselineRevision, fetched.FleetId));

        // Another manufacturer's fleet: NotFound, as for every fleet call.
        var stranger = await FleetScenario.CreateAsync(fixture.Service);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await stranger.Manufacturers.ListRolloutsAsync(new ListRolloutsRequest { FleetId = fleet.Fleet.Id }, stranger.AsManufacturer));
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task A_model_rollout_counts_only_its_models_devices_as_applied()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var model = await fleet.Manufacturers.CreateModelAsync(new CreateModelRequest { FleetId = fleet.Fleet.Id, Name = "X2" }, fleet.AsManufacturer);
        var inModel = await fleet.Manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleet.Fleet.Id, ModelId = model.Id, SerialNumber = "SN-" + Guid.NewGuid().ToString("N") }, fleet.AsManufacturer);
        var other = await fleet.RegisterAsync();
        var modelChange = Change(fleet, 25, expected: null);
        modelChange.ModelId = model.Id;
        var rollout = (await fleet.Manufacturers.SetBaselineAsync(modelChange, fleet.AsManufacturer)).Rollout;
        Assert.Equal(1u, rollout.TotalDevices);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(30), async () =>
            (await fleet.Manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = rollout.Id }, fleet.AsManufacturer)).State == RolloutState.Completed));
        // After it, the other device gets a new policy of its own (its guardian's change).
        var (guardian, _) = await fleet.PairAsync(other, "model-guardian");
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = other.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 } }, guardian);

        // Both devices report the policy the service wants them to run now.
        var lagging = (await fleet.Manufacturers.ListLaggingDevicesAsync(new ListLaggingDevicesRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer)).Devices;
        foreach (var device in new[] { inModel, other })
        {
            await using var client = await fleet.ConnectAsDeviceAsync(device);
            await client.PublishAsync($"st/v1/{device.DeviceId}/up", RawUplinks.Heartbeat(1, lagging.Single(d => d.DeviceId == device.DeviceId).DesiredVersion));
        }

        // Both caught up after the model's rollout started; only the model's device counts for it.
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(20), async () =>
            (await fleet.Manufacturers.ListLaggingDevicesAsync(new ListLaggingDevicesRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer)).Devices.Count == 0));
        Assert.Equal(1u, (await fleet.Manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = rollout.Id }, fleet.AsManufacturer)).AcknowledgedDevices);
    }
}
