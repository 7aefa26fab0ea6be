using System.Net;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// PostgreSQL stopped as a crash would (immediate shutdown) under two replicas with devices sending:
/// while it is down the API answers Unavailable, readiness is false and no uplink is acknowledged
/// (an acknowledgement follows the watermark's commit); once it is back everything that was sent is
/// stored exactly once, acknowledged, and no watermark went back.
/// </summary>
// On PostgreSQL whatever the engine under test: run once, in the PostgreSQL pass (scripts/test.sh).
[Trait("State", "PostgreSQL")]
[Collection(EngineFailureCollection.Name)]
public sealed class PostgresRestartTests : IAsyncLifetime
{
    private ScaleOutCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ScaleOutCluster.StartAsync(replicas: 2, new Dictionary<string, string> { ["State:TimeoutSeconds"] = "2" }, ownPostgres: true);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task While_PostgreSQL_is_down_nothing_is_acknowledged_and_the_API_is_unavailable_and_afterwards_all_is_stored_once()
    {
        var devices = await _cluster.DevicesAsync(3);
        var fleet = await FleetScenario.CreateAsync(_cluster.Replicas[1], profile: "none");
        var used = devices.ToDictionary(d => d.Registered.DeviceId, _ => 0L);
        foreach (var (device, registered) in devices)
        {
            used[registered.DeviceId] += ScaleOutCluster.Play(device, sessions: 2);
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: not acknowledged before the restart");
        }

        var before = (await WatermarksAsync()).ToDictionary();
        Assert.Equal(3, before.Count);

        await _cluster.Postgres!.CrashAsync();
        foreach (var (device, registered) in devices)
        {
            used[registered.DeviceId] += ScaleOutCluster.Play(device, sessions: 2);
        }

        // Sent while the database is down: delivered to the replicas, not acknowledged.
        for (var pump = 0; pump < 40; pump++)
        {
            foreach (var (device, _) in devices)
            {
                device.Idle(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            }

            await Task.Delay(100);
        }

        Assert.All(devices, d => Assert.True(d.Device.Runtime.Queue.Outbox.PendingMessages > 0, $"{d.Registered.DeviceId}: acknowledged without a commit"));
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), fleet.AsManufacturer));
        Assert.True(refused.StatusCode == StatusCode.Unavailable, $"{refused.Status}\n{_cluster.Replicas[1].Output}");
        foreach (var replica in _cluster.Replicas)
        {
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), async () => await replica.ReadinessAsync() == HttpStatusCode.ServiceUnavailable), "a replica stayed ready without its database");
        }

        await _cluster.Postgres.StartAgainAsync();
        foreach (var (device, registered) in devices)
        {
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: {device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged after PostgreSQL came back\n{string.Join("\n---\n", _cluster.Replicas.Select(r => r.Output))}");
        }

        var after = (await WatermarksAsync()).ToDictionary();
        foreach (var (device, registered) in devices)
        {
            Assert.True(after[registered.DeviceId] > before[registered.DeviceId], $"{registered.DeviceId}: watermark {before[registered.DeviceId]} -> {after[registered.DeviceId]}");
            Assert.Equal(used[registered.DeviceId], await _cluster.StoredSecondsAsync(registered.DeviceId));
            device.Dispose();
        }

        var fleets = await fleet.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), fleet.AsManufacturer);
        Assert.Contains(fleets.Fleets, f => f.Id == fleet.Fleet.Id);
        foreach (var replica in _cluster.Replicas)
        {
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), async () => await replica.ReadinessAsync() == HttpStatusCode.OK), "a replica did not become ready again");
        }
    }

    private Task<List<(string Key, long Value)>> WatermarksAsync() =>
        _cluster.QueryAsync("SELECT device_id, stored_through FROM uplink_watermarks");
}
