using System.Buffers;
using System.Net;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// Three replicas with devices sending while one engine under them fails for real: Mosquitto killed
/// with SIGKILL (it loses its retained messages), InfluxDB stopped for a minute. Nothing acknowledged
/// is lost, nothing is stored twice, and the cluster is whole again afterwards by itself.
/// </summary>
// On PostgreSQL whatever the engine under test: run once, in the PostgreSQL pass (scripts/test.sh).
[Trait("State", "PostgreSQL")]
[Collection(EngineFailureCollection.Name)]
public sealed class ClusterOutageTests : IAsyncLifetime
{
    private ScaleOutCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ScaleOutCluster.StartAsync(replicas: 3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_broker_killed_with_SIGKILL_under_three_replicas_gets_its_retained_policies_back_and_every_uplink_is_stored_once()
    {
        var devices = await _cluster.DevicesAsync(3);
        var used = await PlayAndDrainAsync(devices, sessions: 2);

        foreach (var (device, registered) in devices)
        {
            used[registered.DeviceId] += ScaleOutCluster.Play(device, sessions: 2);
        }

        await _cluster.Broker.RestartAsync(kill: true);
        foreach (var (device, registered) in devices)
        {
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: {device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged after the broker's crash");
            Assert.True(device.Runtime.Session.Connections >= 2, $"{registered.DeviceId} did not reconnect");
        }

        foreach (var (device, registered) in devices)
        {
            Assert.Equal(used[registered.DeviceId], await _cluster.StoredSecondsAsync(registered.DeviceId));
            device.Dispose();
        }

        // Restored from PostgreSQL by the replicas (the broker had none after SIGKILL).
        foreach (var (_, registered) in devices)
        {
            var envelope = await Eventually.ResultWithin(TimeSpan.FromSeconds(30), async () =>
            {
                await using var client = await MqttTestClient.ConnectAsync(_cluster.Broker.Port, registered.DeviceId, registered.DeviceId, registered.MqttPassword);
                await client.SubscribeAsync($"st/v1/{registered.DeviceId}/policy");
                return await client.WaitForAsync($"st/v1/{registered.DeviceId}/policy", TimeSpan.FromSeconds(2));
            });
            Assert.True(envelope is not null, $"{registered.DeviceId}: no retained policy after the broker's crash");
            FleetScenario.VerifyOnDevice(registered, envelope.Payload.ToArray());
        }
    }

    [Fact]
    public async Task InfluxDB_down_for_a_minute_under_three_replicas_acknowledges_nothing_keeps_memory_bounded_and_loses_nothing()
    {
        var devices = await _cluster.DevicesAsync(3);
        var used = await PlayAndDrainAsync(devices, sessions: 1);
        var rssBefore = _cluster.Replicas.Select(ResidentMegabytes).ToList();

        await _cluster.Influx.StopAsync();
        var outage = System.Diagnostics.Stopwatch.StartNew();
        long peakRss = 0;
        while (outage.Elapsed < TimeSpan.FromMinutes(1))
        {
            // A session every 5 s: twelve sessions of 10 minutes with 20 minutes between them (6 simulated hours).
            foreach (var (device, registered) in devices)
            {
                used[registered.DeviceId] += ScaleOutCluster.Play(device, sessions: 1);
            }

            peakRss = Math.Max(peakRss, _cluster.Replicas.Max(ResidentMegabytes));
            await Task.Delay(5_000);
        }

        Assert.All(devices, d => Assert.True(d.Device.Runtime.Queue.Outbox.PendingMessages > 0, $"{d.Registered.DeviceId}: acknowledged while InfluxDB was down"));
        foreach (var replica in _cluster.Replicas)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await replica.ReadinessAsync());
        }

        // The replicas hold what is in flight, bounded by the intake and the broker's receive maximum.
        Assert.True(peakRss < rssBefore.Max() + 150, $"RSS grew from {string.Join('/', rssBefore)} MB to {peakRss} MB during the outage");

        await _cluster.Influx.StartAgainAsync();
        foreach (var (device, registered) in devices)
        {
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: {device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged after InfluxDB came back");
        }

        var quarantined = await _cluster.QueryAsync("SELECT device_id || ' ' || sequence || ' ' || reason, 0 FROM quarantined_uplinks");
        foreach (var (device, registered) in devices)
        {
            var stored = await _cluster.StoredSecondsAsync(registered.DeviceId);
            Assert.True(used[registered.DeviceId] == stored, $"{registered.DeviceId}: counted {used[registered.DeviceId]} s, stored {stored} s; quarantined: {string.Join("; ", quarantined.Select(q => q.Key))}\n{string.Join("\n", _cluster.Replicas.Select(r => r.Output))}");
            device.Dispose();
        }

        foreach (var replica in _cluster.Replicas)
        {
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), async () => await replica.ReadinessAsync() == HttpStatusCode.OK), "a replica did not become ready again");
        }
    }

    private static async Task<Dictionary<string, long>> PlayAndDrainAsync(List<(DeviceHost.VirtualDevice Device, Contracts.Api.V1.RegisterDeviceResponse Registered)> devices, int sessions)
    {
        var used = new Dictionary<string, long>();
        foreach (var (device, registered) in devices)
        {
            used[registered.DeviceId] = ScaleOutCluster.Play(device, sessions);
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: not acknowledged before the failure");
        }

        return used;
    }

    private static long ResidentMegabytes(PolicyServiceProcess replica)
    {
        var line = File.ReadLines($"/proc/{replica.ProcessId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }
}
