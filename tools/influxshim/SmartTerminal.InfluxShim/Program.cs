using System.Globalization;
using SmartTerminal.InfluxShim;

// SmartTerminal.InfluxShim --listen PORT --influx http://127.0.0.1:8086
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
if (Option("--listen") is not { } listen || Option("--influx") is not { } influx)
{
    Console.Error.WriteLine("usage: SmartTerminal.InfluxShim --listen PORT --influx http://HOST:PORT");
    return 2;
}

using var shim = new InfluxV2WriteForwarder(new Uri(influx), int.Parse(listen, CultureInfo.InvariantCulture));
Console.WriteLine($"influx shim: /api/v2/write on {shim.Url} -> {influx}/write");
using var stop = new ManualResetEventSlim();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Set();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Set();
stop.Wait();
return 0;
