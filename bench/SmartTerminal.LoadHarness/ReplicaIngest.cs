using SmartTerminal.Testing;

namespace SmartTerminal.LoadHarness;

/// <summary>
/// The ingest harness on the scale-out layout: Mosquitto with dynamic security, N replicas in external
/// broker mode on one throw-away PostgreSQL database, the devices connecting to Mosquitto.
/// </summary>
internal static class ReplicaIngest
{
    public static async Task RunAsync(InfluxDbServer influx, Uri influxWriteUrl, int devices, int uplinks, int replicas)
    {
        await using var broker = await DynamicSecurityBroker.StartAsync();
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync();
        var started = new List<PolicyServiceProcess>();
        try
        {
            for (var i = 1; i <= replicas; i++)
            {
                var settings = new Dictionary<string, string>(broker.ServiceSettings($"replica-{i}"))
                {
                    ["Logging:LogLevel:Default"] = "Warning",
                    ["State:Provider"] = "PostgreSQL",
                    ["State:ConnectionString"] = database,
                    ["Influx:Url"] = influxWriteUrl.ToString(),
                    ["Influx:Bucket"] = "smartterminal/autogen",
                    ["Influx:Token"] = "harness:secret",
                };
                if (started.Count > 0)
                {
                    // One set of keys for all replicas.
                    settings["PolicyService:DataDirectory"] = started[0].DataDirectory;
                }

                started.Add(await PolicyServiceProcess.StartAsync(settings));
            }

            Console.WriteLine($"external broker: Mosquitto (dynamic security), {replicas} replica(s), PostgreSQL");
            await new IngestHarness(started[0], influx, influxWriteUrl, "smartterminal", devices, uplinks, "none")
            {
                MqttPort = broker.Port,
                OtherReplicas = started.Skip(1).ToList(),
            }.RunAsync();
        }
        finally
        {
            foreach (var replica in started)
            {
                await replica.DisposeAsync();
            }

            await postgres.DropDatabaseAsync(database);
        }
    }
}
