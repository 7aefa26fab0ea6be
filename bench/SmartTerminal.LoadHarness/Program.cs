using SmartTerminal.InfluxShim;
using SmartTerminal.LoadHarness;
using SmartTerminal.Testing;

// dotnet run -c Release --project bench/SmartTerminal.LoadHarness -- [devices] [updates]
//   the policy pipeline (ST_TEST_STATE_PROVIDER=PostgreSQL: the state database on a throw-away PostgreSQL cluster)
// dotnet run -c Release --project bench/SmartTerminal.LoadHarness -- [devices] [updates] replicas:N
//   the same through Mosquitto (dynamic security) shared by N replicas on one PostgreSQL database
// dotnet run -c Release --project bench/SmartTerminal.LoadHarness -- ingest [devices] [uplinks per device] [outage|kill]
//   telemetry ingest against a real InfluxDB, with the direct batched write as the baseline; optionally
//   with InfluxDB stopped for a minute mid-run, or the service killed (SIGKILL) and restarted mid-run
// dotnet run -c Release --project bench/SmartTerminal.LoadHarness -- ingest [devices] [uplinks per device] replicas:N
//   the same through Mosquitto (dynamic security) shared by N replicas on one PostgreSQL database
var culture = System.Globalization.CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "query-scale")
{
    // dotnet run -c Release --project bench/SmartTerminal.LoadHarness -- query-scale [inmem|tsi1] [devices...]
    var index = args.Length > 1 ? args[1] : "inmem";
    var counts = args.Length > 2 ? args[2..].Select(a => int.Parse(a, culture)).ToArray() : [10_000, 100_000];
    await QueryScaleHarness.RunAsync(counts, index);
    return;
}

if (args.Length > 0 && args[0] == "ingest")
{
    var devices = args.Length > 1 ? int.Parse(args[1], culture) : 500;
    var uplinks = args.Length > 2 ? int.Parse(args[2], culture) : 100;
    Console.WriteLine($"SmartTerminal ingest load harness: {devices:N0} devices, {uplinks} uplinks each ({Environment.ProcessorCount} cores)");
    await using var influx = await InfluxDbServer.StartAsync("smartterminal");
    using var forwarder = new InfluxV2WriteForwarder(influx.Url);
    if (args.Length > 3 && args[3].StartsWith("replicas:", StringComparison.Ordinal))
    {
        await ReplicaIngest.RunAsync(influx, forwarder.Url, devices, uplinks, int.Parse(args[3]["replicas:".Length..], culture));
        return;
    }

    await using var ingestService = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Influx:Url"] = forwarder.Url.ToString(),
        ["Influx:Bucket"] = "smartterminal/autogen",
        ["Influx:Token"] = "harness:secret",
    });
    var disruption = args.Length > 3 ? args[3] : "none";
    await new IngestHarness(ingestService, influx, forwarder.Url, "smartterminal", devices, uplinks, disruption).RunAsync();
    await StatementReport.PrintAsync(ingestService);
    return;
}

var deviceCount = args.Length > 0 ? int.Parse(args[0], culture) : 10_000;
var updates = args.Length > 1 ? int.Parse(args[1], culture) : 200;
Console.WriteLine($"SmartTerminal policy pipeline load harness: {deviceCount:N0} devices, {updates} guardian updates ({Environment.ProcessorCount} cores)");
if (args.Length > 2 && args[2].StartsWith("replicas:", StringComparison.Ordinal))
{
    await using var layout = await ReplicaLayout.StartAsync(int.Parse(args[2]["replicas:".Length..], culture), influxWriteUrl: null);
    await new PolicyPipelineHarness(layout.Replicas[0], deviceCount, updates)
    {
        MqttPort = layout.Broker.Port,
        BaselineAccount = (ReplicaLayout.BenchUser, layout.BenchPassword),
    }.RunAsync();
    return;
}

await using var service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Warning" });
await new PolicyPipelineHarness(service, deviceCount, updates).RunAsync();
await StatementReport.PrintAsync(service);
