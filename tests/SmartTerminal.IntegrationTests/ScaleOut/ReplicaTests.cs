using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.DeviceHost;
using SmartTerminal.InfluxShim;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// Two service replicas on one PostgreSQL database and one Mosquitto (dynamic security), consuming
/// uplinks through the shared subscription, which hands consecutive uplinks of one device to different
/// replicas; the device core in the device host sends and resends as on a watch. All real.
/// </summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private readonly string _devices = Directory.CreateTempSubdirectory("st-replica-devices-").FullName;
    private DynamicSecurityBroker _broker = null!;
    private InfluxDbServer _influx = null!;
    private InfluxV2WriteForwarder _forwarder = null!;
    private string _database = null!;
    private PolicyServiceProcess _first = null!;
    private PolicyServiceProcess _second = null!;

    public async Task InitializeAsync()
    {
        _broker = await DynamicSecurityBroker.StartAsync();
        _influx = await InfluxDbServer.StartAsync(TelemetryStack.Database);
        _forwarder = new InfluxV2WriteForwarder(_influx.Url);
        var postgres = await PostgresServer.SharedAsync();
        _database = await postgres.CreateDatabaseAsync();
        _first = await PolicyServiceProcess.StartAsync(Settings("replica-1"));
        try
        {
            // The replicas share the keys (one data folder here; in production one secret store).
            _second = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>(Settings("replica-2")) { ["PolicyService:DataDirectory"] = _first.DataDirectory });
        }
        catch
        {
            // xUnit does not call DisposeAsync when InitializeAsync fails: nothing may be left running.
            await _first.DisposeAsync();
            await DisposeEnginesAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await DisposeEnginesAsync();
    }

    private async Task DisposeEnginesAsync()
    {
        await (await PostgresServer.SharedAsync()).DropDatabaseAsync(_database);
        _forwarder.Dispose();
        await _influx.DisposeAsync();
        await _broker.DisposeAsync();
        Directory.Delete(_devices, recursive: true);
    }

    private Dictionary<string, string> Settings(string clientId) => new(_broker.ServiceSettings(clientId))
    {
        ["State:Provider"] = "PostgreSQL",
        ["State:ConnectionString"] = _database,
        ["Influx:Url"] = _forwarder.Url.ToString(),
        ["Influx:Bucket"] = $"{TelemetryStack.Database}/autogen",
        ["Influx:Token"] = "tester:secret",
    };

    private async Task<long> StoredSecondsAsync(string deviceId)
    {
        var result = await _influx.QueryAsync($"SELECT sum(used_seconds) FROM usage WHERE device = '{deviceId}'", TelemetryStack.Database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    private async Task<List<(VirtualDevice Device, RegisterDeviceResponse Registered)>> DevicesAsync(int count)
    {
        var fleet = await FleetScenario.CreateAsync(_first, profile: "none");
        var devices = new List<(VirtualDevice, RegisterDeviceResponse)>();
        for (var i = 0; i < count; i++)
        {
            var registered = await fleet.RegisterAsync();
            devices.Add((DeviceProvisioning.VirtualDevice(registered, _broker.Port, Path.Combine(_devices, registered.DeviceId)), registered));
        }

        return devices;
    }

    private static long Play(VirtualDevice device, int sessions)
    {
        long used = 0;
        for (var session = 0; session < sessions; session++)
        {
            used += device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
            device.Idle(TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(30));
        }

        return used;
    }

    [Fact]
    public async Task Uplinks_spread_over_two_replicas_are_all_stored_once_and_acknowledged_even_when_one_replica_is_killed()
    {
        var devices = await DevicesAsync(4);
        var used = devices.ToDictionary(d => d.Registered.DeviceId, _ => 0L);
        foreach (var (device, registered) in devices)
        {
            used[registered.DeviceId] += Play(device, sessions: 3);
        }

        foreach (var (device, registered) in devices)
        {
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: {device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged by the two replicas");
        }

        // Both replicas took part (round robin), and a watermark moved over sequences stored by either.
        Assert.True(await StoredUplinksAsync(_first) > 0, "the first replica stored nothing");
        Assert.True(await StoredUplinksAsync(_second) > 0, "the second replica stored nothing");

        // One replica dies with uplinks on their way; the devices resend what was not acknowledged to the other.
        foreach (var (device, registered) in devices)
        {
            used[registered.DeviceId] += Play(device, sessions: 2);
        }

        await _first.KillAsync();
        foreach (var (device, registered) in devices)
        {
            Assert.True(await TelemetryStack.DrainAsync(device), $"{registered.DeviceId}: {device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged after a replica was killed");
        }

        foreach (var (device, registered) in devices)
        {
            Assert.Equal(used[registered.DeviceId], await StoredSecondsAsync(registered.DeviceId));
            device.Dispose();
        }
    }

    private static async Task<double> StoredUplinksAsync(PolicyServiceProcess service)
    {
        using var http = new HttpClient { BaseAddress = service.RestAddress };
        var line = (await http.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith("smartterminal_ingest_uplinks_stored_total", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
