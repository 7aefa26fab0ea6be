using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>
/// A rollout is kept in the state database, not in the process: a service stopped in the middle of one
/// (a deployment, a restart) hands its batch back and finishes the rollout once it runs again, on the
/// engine under test.
/// </summary>
public sealed class RolloutRestartTests : IAsyncLifetime
{
    private PolicyServiceProcess _service = null!;

    // Two devices a second, two per batch: the eight devices' rollout takes about 4 s.
    public async Task InitializeAsync() =>
        _service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Rollouts:BatchSize"] = "2",
            ["Rollouts:DevicesPerSecond"] = "1",
            ["Rollouts:LeaseSeconds"] = "30",
            ["Rollouts:PollSeconds"] = "0.2",
        });

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task A_rollout_interrupted_by_a_restart_is_finished_after_it_and_every_device_gets_the_new_baseline_once()
    {
        var fleet = await FleetScenario.CreateAsync(_service, profile: "none");
        var devices = new List<RegisterDeviceResponse>();
        for (var i = 0; i < 8; i++)
        {
            devices.Add(await fleet.RegisterAsync());
        }

        var started = await fleet.Manufacturers.SetBaselineAsync(new SetBaselineRequest
        {
            FleetId = fleet.Fleet.Id,
            AgeBands = { new AgeBandPolicy { MinAge = 0, MaxAge = 18, Defaults = new PolicySettings { DailyMinutes = 35 } } },
        }, fleet.AsManufacturer);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () => (await RolloutAsync(fleet, started.Rollout.Id)).PublishedDevices > 0));

        // Stopped with SIGTERM half-way (one device a second: eight seconds for the fleet), within its
        // 30 s lease: only the hand-back at shutdown lets it go on at once. A slow restart may let the new
        // process finish it before it is first read, so what is checked is that it was unfinished at the stop.
        Assert.NotEqual(RolloutState.Completed, (await RolloutAsync(fleet, started.Rollout.Id)).State);
        await _service.RestartAsync(graceful: true);
        Rollout rollout = await RolloutAsync(fleet, started.Rollout.Id);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(20), async () => (rollout = await RolloutAsync(fleet, started.Rollout.Id)).State == RolloutState.Completed), $"{rollout}\n{_service.Output}");

        Assert.Equal((8u, 8u), (rollout.TotalDevices, rollout.PublishedDevices));
        foreach (var device in devices)
        {
            await using var client = await fleet.ConnectAsDeviceAsync(device);
            await client.SubscribeAsync($"st/v1/{device.DeviceId}/policy");
            var message = await client.WaitForAsync($"st/v1/{device.DeviceId}/policy", TimeSpan.FromSeconds(10));
            var policy = FleetScenario.VerifyOnDevice(device, System.Buffers.BuffersExtensions.ToArray(message!.Payload));
            Assert.Equal((2UL, 35u), (policy.Version, policy.DailyBudgetMinutes[0]));
        }
    }

    private static async Task<Rollout> RolloutAsync(FleetScenario fleet, string id) =>
        await fleet.Manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = id }, fleet.AsManufacturer);
}
