using SmartTerminal.IntegrationTests.Infrastructure;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// Three service replicas on one PostgreSQL database and one Mosquitto (dynamic security), consuming
/// uplinks through the shared subscription, which hands consecutive uplinks of one device to different
/// replicas; the device core in the device host sends and resends as on a watch. All real.
/// </summary>
// On PostgreSQL whatever the engine under test: run once, in the PostgreSQL pass (scripts/test.sh).
[Trait("State", "PostgreSQL")]
public sealed class ReplicaTests : IAsyncLifetime
{
    private ScaleOutCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ScaleOutCluster.StartAsync(replicas: 3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Uplinks_spread_over_three_replicas_are_all_stored_once_and_acknowledged_even_when_one_replica_is_killed()
    {
        var devices = await _cluster.DevicesAsync(4);
        var used = devices.ToDictionary(d => d.Registered.DeviceId, _ => 0L);
        foreach (var (device, registered) in devices)
        {
            used[registered.DeviceId] += ScaleOutCluster.Play(device, sessions: 3);
        }

        foreach (var (device, registered) in devices)
        {
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: {device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged by the three replicas");
        }

        // Both replicas took part (round robin), and a watermark moved over sequences stored by either.
        for (var replica = 0; replica < 3; replica++)
        {
            Assert.True(await StoredUplinksAsync(replica) > 0, $"replica {replica + 1} stored nothing");
        }

        // One replica dies with uplinks on their way; the devices resend what was not acknowledged to the others.
        foreach (var (device, registered) in devices)
        {
            used[registered.DeviceId] += ScaleOutCluster.Play(device, sessions: 2);
        }

        await _cluster.Replicas[0].KillAsync();
        foreach (var (device, registered) in devices)
        {
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: {device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged after a replica was killed");
        }

        foreach (var (device, registered) in devices)
        {
            Assert.Equal(used[registered.DeviceId], await _cluster.StoredSecondsAsync(registered.DeviceId));
            device.Dispose();
        }
    }

    private Task<double> StoredUplinksAsync(int replica) =>
        ScaleOutCluster.CounterAsync(_cluster.Replicas[replica], "smartterminal_ingest_uplinks_stored_total");
}
