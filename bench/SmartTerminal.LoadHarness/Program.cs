using SmartTerminal.LoadHarness;
using SmartTerminal.Testing;

// dotnet run -c Release --project bench/SmartTerminal.LoadHarness -- [devices] [updates]
// (ST_TEST_STATE_PROVIDER=PostgreSQL: the state database on a throw-away PostgreSQL cluster)
var devices = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
var updates = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200;
Console.WriteLine($"SmartTerminal policy pipeline load harness: {devices:N0} devices, {updates} guardian updates ({Environment.ProcessorCount} cores)");
await using var service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Warning" });
await new PolicyPipelineHarness(service, devices, updates).RunAsync();
await StatementReport.PrintAsync(service);
