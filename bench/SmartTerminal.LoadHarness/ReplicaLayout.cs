using SmartTerminal.Testing;

namespace SmartTerminal.LoadHarness;

/// <summary>
/// The scale-out layout for the harnesses: Mosquitto with dynamic security, N replicas in external
/// broker mode on one throw-away PostgreSQL database (sharing one set of keys), and a plain broker
/// account with rights on <c>bench/#</c> for the raw-broker baselines measured in the same run.
/// </summary>
internal sealed class ReplicaLayout : IAsyncDisposable
{
    public const string BenchUser = "bench";

    private readonly List<PolicyServiceProcess> _replicas = [];
    private PostgresServer? _postgres;
    private string? _database;

    private ReplicaLayout(DynamicSecurityBroker broker) => Broker = broker;

    public DynamicSecurityBroker Broker { get; }

    public IReadOnlyList<PolicyServiceProcess> Replicas => _replicas;

    public string BenchPassword { get; } = Guid.NewGuid().ToString("N");

    public static async Task<ReplicaLayout> StartAsync(int replicas, Uri? influxWriteUrl)
    {
        var layout = new ReplicaLayout(await DynamicSecurityBroker.StartAsync());
        try
        {
            layout._postgres = await PostgresServer.SharedAsync();
            layout._database = await layout._postgres.CreateDatabaseAsync();
            for (var i = 1; i <= replicas; i++)
            {
                var settings = new Dictionary<string, string>(layout.Broker.ServiceSettings($"replica-{i}"))
                {
                    ["Logging:LogLevel:Default"] = "Warning",
                    ["State:Provider"] = "PostgreSQL",
                    ["State:ConnectionString"] = layout._database,
                };
                if (influxWriteUrl is not null)
                {
                    settings["Influx:Url"] = influxWriteUrl.ToString();
                    settings["Influx:Bucket"] = "smartterminal/autogen";
                    settings["Influx:Token"] = "harness:secret";
                }

                if (layout._replicas.Count > 0)
                {
                    // One set of keys for all replicas.
                    settings["PolicyService:DataDirectory"] = layout._replicas[0].DataDirectory;
                }

                layout._replicas.Add(await PolicyServiceProcess.StartAsync(settings));
            }

            await layout.Broker.CommandAsync(new object[]
            {
                new
                {
                    command = "createRole",
                    rolename = "bench",
                    // Mosquitto 2.0 checks a shared subscription's filter with its $share prefix.
                    acls = new[] { ("publishClientSend", "bench/#"), ("publishClientReceive", "bench/#"), ("subscribePattern", "bench/#"), ("subscribePattern", "$share/bench/bench/#") }
                        .Select(acl => new { acltype = acl.Item1, topic = acl.Item2, allow = true, priority = 0 }).ToArray(),
                },
                new { command = "createClient", username = BenchUser, password = layout.BenchPassword, roles = new[] { new { rolename = "bench", priority = 0 } } },
            });
            Console.WriteLine($"external broker: Mosquitto (dynamic security), {replicas} replica(s), PostgreSQL");
            return layout;
        }
        catch
        {
            await layout.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        if (_database is not null)
        {
            await _postgres!.DropDatabaseAsync(_database);
        }

        await Broker.DisposeAsync();
    }
}
