using System.Globalization;
using SmartTerminal.DeviceHost;

// SmartTerminal.DeviceHost --broker HOST:PORT --devices DIR [--speed N] [--minutes M] [--play PACKAGE:MINUTES:EVERY[:watch]]
//   DIR holds one folder per device with the config.bin the flasher writes; each folder is that device's flash.
//   --speed: virtual seconds per real second (default 1); --minutes: virtual minutes to run (default: until killed);
//   --play: the child opens PACKAGE for MINUTES every EVERY virtual minutes, touching it throughout, or with
//   ":watch" watching it without a touch (playback reported as ongoing, as the firmware head does).
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var broker = Option("--broker");
var devicesDir = Option("--devices");
if (broker is null || devicesDir is null || !broker.Contains(':', StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: SmartTerminal.DeviceHost --broker HOST:PORT --devices DIR [--speed N] [--minutes M] [--play PACKAGE:MINUTES:EVERY[:watch]]");
    return 2;
}

var speed = double.Parse(Option("--speed") ?? "1", CultureInfo.InvariantCulture);
var runFor = Option("--minutes") is { } m ? TimeSpan.FromMinutes(double.Parse(m, CultureInfo.InvariantCulture)) : TimeSpan.MaxValue;
var play = Option("--play")?.Split(':');
var host = broker[..broker.LastIndexOf(':')];
var port = int.Parse(broker[(broker.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

var devices = Directory.GetDirectories(devicesDir)
    .Where(d => File.Exists(Path.Combine(d, "config.bin")))
    .Select(d => new VirtualDevice(VirtualDevice.ReadConfig(Path.Combine(d, "config.bin")), d, new HostClock(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), speed), host, port))
    .ToList();
Console.WriteLine($"device host: {devices.Count} device(s), broker {broker}, speed {speed}x");

var scenario = play is { Length: 3 or 4 }
    ? new PlayScript(SmartTerminal.Device.Core.Hashing.Fnv1a.Hash32(play[0]), TimeSpan.FromMinutes(double.Parse(play[1], CultureInfo.InvariantCulture)), TimeSpan.FromMinutes(double.Parse(play[2], CultureInfo.InvariantCulture)), watch: play.Length == 4 && play[3] == "watch")
    : null;
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

while (!stop.IsCancellationRequested && devices.All(d => TimeSpan.FromMilliseconds(d.Clock.MonotonicMs) < runFor))
{
    foreach (var device in devices)
    {
        scenario?.Apply(device);
        device.Runtime.Step();
    }

    Thread.Sleep(20);
}

foreach (var device in devices)
{
    device.Dispose();
}

Console.WriteLine("device host: stopped");
return 0;
