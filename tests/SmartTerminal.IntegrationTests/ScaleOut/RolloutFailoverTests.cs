using System.Buffers;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// A rollout worked through by three replicas on one PostgreSQL database and one Mosquitto (dynamic
/// security), paced so that it takes seconds: one replica holding a batch is frozen (SIGSTOP, a
/// replica that stalls and comes back: a long GC pause, a VM migration), another holding a batch is
/// killed with SIGKILL. The third finishes both batches once their leases expire; the frozen one, let
/// go afterwards, completes nothing (its fencing token is stale). Every device ends with its desired
/// version retained in the broker, signed with its own key.
/// </summary>
// On PostgreSQL whatever the engine under test: run once, in the PostgreSQL pass (scripts/test.sh).
[Trait("State", "PostgreSQL")]
public sealed class RolloutFailoverTests : IAsyncLifetime
{
    private const int Devices = 36;

    // Batches of 4 devices held 1 s each (4 devices/s per replica), leases of 4 s: the 9 batches take
    // about 3 s over three replicas, long enough to catch two of them holding a batch.
    private static readonly Dictionary<string, string> Paced = new()
    {
        ["Rollouts:BatchSize"] = "4",
        ["Rollouts:DevicesPerSecond"] = "4",
        ["Rollouts:LeaseSeconds"] = "4",
        ["Rollouts:PollSeconds"] = "0.2",
        ["Logging:LogLevel:SmartTerminal.PolicyService.Policies.RolloutService"] = "Information",
    };

    private ScaleOutCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ScaleOutCluster.StartAsync(replicas: 3, Paced);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_rollout_whose_replicas_are_killed_and_frozen_mid_batch_is_finished_by_the_third_and_the_frozen_one_completes_nothing()
    {
        var fleet = await FleetScenario.CreateAsync(_cluster.Replicas[0], profile: "none");
        var devices = new List<RegisterDeviceResponse>();
        for (var i = 0; i < Devices; i++)
        {
            devices.Add(await fleet.RegisterAsync());
        }

        var response = await fleet.Manufacturers.SetBaselineAsync(new SetBaselineRequest
        {
            FleetId = fleet.Fleet.Id,
            AgeBands = { new AgeBandPolicy { MinAge = 0, MaxAge = 18, Defaults = new PolicySettings { DailyMinutes = 25 } } },
        }, fleet.AsManufacturer);

        // Two replicas each holding a batch: one frozen, one killed.
        var holders = await Eventually.ResultWithin(TimeSpan.FromSeconds(20), async () =>
        {
            var owners = await LeaseHoldersAsync();
            return owners.Count >= 2 ? owners : null;
        });
        Assert.True(holders is not null, "never saw two replicas holding batches at once");
        var frozen = _cluster.Replicas.Single(r => r.ProcessId == holders[0]);
        var killed = _cluster.Replicas.Single(r => r.ProcessId == holders[1]);
        var survivor = _cluster.Replicas.Single(r => r != frozen && r != killed);
        ScaleOutCluster.Freeze(frozen);
        await killed.KillAsync();

        var survivorFleet = fleet.On(survivor);
        Rollout? rollout = null;
        var finished = await Eventually.TrueWithin(TimeSpan.FromSeconds(60), async () =>
        {
            rollout = await survivorFleet.Manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = response.Rollout.Id }, survivorFleet.AsManufacturer);
            return rollout.State == RolloutState.Completed;
        });

        // Let the frozen replica go on (whether the survivor finished or was waiting on a device it held).
        ScaleOutCluster.Resume(frozen);
        finished = finished || await Eventually.TrueWithin(TimeSpan.FromSeconds(30), async () =>
        {
            rollout = await survivorFleet.Manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = response.Rollout.Id }, survivorFleet.AsManufacturer);
            return rollout.State == RolloutState.Completed;
        });
        Assert.True(finished, $"the rollout did not finish: {rollout}\n{survivor.Output}");
        Assert.True(
            await Eventually.TrueWithin(TimeSpan.FromSeconds(20), () => Task.FromResult(frozen.Output.Contains("was taken over by another replica", StringComparison.Ordinal))),
            "the frozen replica did not report its stale lease:\n" + frozen.Output);
        Assert.Contains("finished", survivor.Output, StringComparison.Ordinal);

        // Counted once per device, whoever did it and however often.
        rollout = await survivorFleet.Manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = response.Rollout.Id }, survivorFleet.AsManufacturer);
        Assert.Equal(((uint)Devices, (uint)Devices, RolloutState.Completed), (rollout.TotalDevices, rollout.PublishedDevices, rollout.State));

        var desired = await DesiredVersionsAsync();
        foreach (var device in devices)
        {
            await using var client = await MqttTestClient.ConnectAsync(_cluster.Broker.Port, device.DeviceId, device.DeviceId, device.MqttPassword);
            await client.SubscribeAsync($"st/v1/{device.DeviceId}/policy");
            var message = await client.WaitForAsync($"st/v1/{device.DeviceId}/policy", TimeSpan.FromSeconds(10));
            Assert.True(message is not null, $"{device.DeviceId}: no retained policy");
            var policy = FleetScenario.VerifyOnDevice(device, message.Payload.ToArray());
            // Version 1 at registration, 2 after the baseline: republished twice is still one new version.
            Assert.Equal((2UL, 2UL), (policy.Version, desired[device.DeviceId]));
            Assert.Equal(25u, policy.DailyBudgetMinutes[0]);
        }
    }

    // The process ids of the replicas holding an unfinished batch, from the lease owners ("host/pid/...").
    private async Task<List<int>> LeaseHoldersAsync() =>
        [.. (await _cluster.QueryAsync("SELECT DISTINCT lease_owner, 0 FROM rollout_batches WHERE done = 0 AND lease_owner IS NOT NULL"))
            .Select(row => int.Parse(row.Key.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture))];

    private async Task<Dictionary<string, ulong>> DesiredVersionsAsync() =>
        (await _cluster.QueryAsync("SELECT device_id, desired_version FROM device_policies")).ToDictionary(row => row.Key, row => (ulong)row.Value);
}
