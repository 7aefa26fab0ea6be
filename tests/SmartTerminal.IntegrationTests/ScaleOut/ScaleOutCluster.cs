using Npgsql;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.DeviceHost;
using SmartTerminal.InfluxShim;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// The scale-out layout for one test: Mosquitto with dynamic security, InfluxDB 1.6 (behind the 2.x
/// write forwarder), a PostgreSQL database (in the tests' shared cluster, or in a cluster of its own
/// when the test stops PostgreSQL) and N service replicas sharing it and their keys. All real processes.
/// </summary>
internal sealed class ScaleOutCluster : IAsyncDisposable
{
    private readonly string _devices = Directory.CreateTempSubdirectory("st-cluster-devices-").FullName;
    private readonly List<PolicyServiceProcess> _replicas = [];
    private PostgresServer? _ownPostgres;
    private string? _database;

    private ScaleOutCluster(DynamicSecurityBroker broker)
    {
        Broker = broker;
    }

    public DynamicSecurityBroker Broker { get; }

    public InfluxDbServer Influx { get; private set; } = null!;

    public InfluxV2WriteForwarder Forwarder { get; private set; } = null!;

    /// <summary>The cluster's own PostgreSQL (null when the database is in the tests' shared cluster).</summary>
    public PostgresServer? Postgres => _ownPostgres;

    public string Database => _database!;

    public IReadOnlyList<PolicyServiceProcess> Replicas => _replicas;

    /// <summary>Starts everything; <paramref name="settings"/> are added to every replica's.</summary>
    public static async Task<ScaleOutCluster> StartAsync(int replicas, IReadOnlyDictionary<string, string>? settings = null, bool ownPostgres = false)
    {
        var cluster = new ScaleOutCluster(await DynamicSecurityBroker.StartAsync());
        try
        {
            cluster.Influx = await InfluxDbServer.StartAsync(TelemetryStack.Database);
            cluster.Forwarder = new InfluxV2WriteForwarder(cluster.Influx.Url);
            cluster._ownPostgres = ownPostgres ? await PostgresServer.StartOwnAsync() : null;
            cluster._database = await (cluster._ownPostgres ?? await PostgresServer.SharedAsync()).CreateDatabaseAsync();
            for (var i = 1; i <= replicas; i++)
            {
                var replica = new Dictionary<string, string>(cluster.Settings($"replica-{i}"));
                foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                {
                    replica[key] = value;
                }

                if (i > 1)
                {
                    // The replicas share the keys (one data folder here; in production one secret store).
                    replica["PolicyService:DataDirectory"] = cluster._replicas[0].DataDirectory;
                }

                cluster._replicas.Add(await PolicyServiceProcess.StartAsync(replica));
            }

            return cluster;
        }
        catch
        {
            // xUnit does not call DisposeAsync when InitializeAsync fails: nothing may be left running.
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            Resume(replica);
            await replica.DisposeAsync();
        }

        if (_ownPostgres is not null)
        {
            await _ownPostgres.DisposeAsync();
        }
        else if (_database is not null)
        {
            await (await PostgresServer.SharedAsync()).DropDatabaseAsync(_database);
        }

        Forwarder?.Dispose();
        if (Influx is not null)
        {
            await Influx.DisposeAsync();
        }

        await Broker.DisposeAsync();
        Directory.Delete(_devices, recursive: true);
    }

    private Dictionary<string, string> Settings(string clientId) => new(Broker.ServiceSettings(clientId))
    {
        ["State:Provider"] = "PostgreSQL",
        ["State:ConnectionString"] = _database!,
        ["Influx:Url"] = Forwarder.Url.ToString(),
        ["Influx:Bucket"] = $"{TelemetryStack.Database}/autogen",
        ["Influx:Token"] = "tester:secret",
    };

    /// <summary>A fleet with this many devices, each as the device core in the device host, on the broker.</summary>
    public async Task<List<(VirtualDevice Device, RegisterDeviceResponse Registered)>> DevicesAsync(int count)
    {
        var fleet = await FleetScenario.CreateAsync(_replicas[0], profile: "none");
        var devices = new List<(VirtualDevice, RegisterDeviceResponse)>();
        for (var i = 0; i < count; i++)
        {
            var registered = await fleet.RegisterAsync();
            devices.Add((DeviceProvisioning.VirtualDevice(registered, Broker.Port, Path.Combine(_devices, registered.DeviceId)), registered));
        }

        return devices;
    }

    /// <summary>Sessions of reading with idle time between them; returns the seconds of use the device counted.</summary>
    public static long Play(VirtualDevice device, int sessions)
    {
        long used = 0;
        for (var session = 0; session < sessions; session++)
        {
            used += device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
            device.Idle(TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(30));
        }

        return used;
    }

    /// <summary>The seconds of use InfluxDB holds for the device.</summary>
    public async Task<long> StoredSecondsAsync(string deviceId)
    {
        var result = await Influx.QueryAsync($"SELECT sum(used_seconds) FROM usage WHERE device = '{deviceId}'", TelemetryStack.Database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    /// <summary>Rows of one query on the cluster's database, two columns each.</summary>
    public async Task<List<(string Key, long Value)>> QueryAsync(string sql)
    {
        // Unpooled: a pooled connection would not survive a test that restarts PostgreSQL.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var rows = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1)));
        }

        return rows;
    }

    /// <summary>A counter from a replica's Prometheus endpoint (0 when it has none yet).</summary>
    public static async Task<double> CounterAsync(PolicyServiceProcess replica, string name)
    {
        using var http = new HttpClient { BaseAddress = replica.RestAddress };
        var line = (await http.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Freezes a replica (SIGSTOP), as a long pause or a stalled VM would.</summary>
    public static void Freeze(PolicyServiceProcess replica) => Signal(replica, "STOP");

    /// <summary>Lets a frozen replica go on (SIGCONT).</summary>
    public static void Resume(PolicyServiceProcess replica) => Signal(replica, "CONT");

    private static void Signal(PolicyServiceProcess replica, string signal)
    {
        var start = new System.Diagnostics.ProcessStartInfo("kill", ["-" + signal, replica.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardError = true };
        using var kill = System.Diagnostics.Process.Start(start)!;
        kill.WaitForExit();
    }
}
