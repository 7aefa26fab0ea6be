using System.Runtime.InteropServices;
using SmartTerminal.DeviceHost;

// The .NET device host: runs the device core for every device folder (see HostOptions.Usage).
try
{
    return args.FirstOrDefault() == "add-device" ? AddDeviceCommand.Run(args[1..]) : Run(HostOptions.Parse(args));
}
catch (UsageException e)
{
    Console.Error.WriteLine($"device host: {e.Message}");
    if (args.Length == 0 || args.Contains("--help"))
    {
        Console.Error.WriteLine(HostOptions.Usage);
    }

    return 2;
}

static int Run(HostOptions options)
{
    var folders = Directory.GetDirectories(options.DevicesFolder).Where(d => File.Exists(Path.Combine(d, "config.bin"))).Order(StringComparer.Ordinal).ToList();
    if (folders.Count == 0)
    {
        throw new UsageException($"no device in {options.DevicesFolder}: add one with 'add-device --registration FILE.json ...'");
    }

    var devices = folders
        .Select(d => new VirtualDevice(VirtualDevice.ReadConfig(Path.Combine(d, "config.bin")), d, new HostClock(options.Start.ToUnixTimeMilliseconds(), options.Speed), options.BrokerHost, options.BrokerPort))
        .ToList();
    Console.WriteLine($"device host: {devices.Count} device(s), broker {options.BrokerHost}:{options.BrokerPort}, speed {options.Speed}x, clock from {options.Start:yyyy-MM-dd HH:mm zzz}");

    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };

    // SIGTERM stops as cleanly as Ctrl-C: usage state and outbox are saved, the next boot counts no gap.
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });

    var nextStatus = DateTime.UtcNow;
    while (!stop.IsCancellationRequested && devices.All(d => TimeSpan.FromMilliseconds(d.Clock.MonotonicMs) < options.RunFor))
    {
        foreach (var device in devices)
        {
            options.Play?.Apply(device);
            device.Runtime.Step();
        }

        if (options.StatusEvery > TimeSpan.Zero && DateTime.UtcNow >= nextStatus)
        {
            nextStatus = DateTime.UtcNow + options.StatusEvery;
            foreach (var device in devices)
            {
                Console.WriteLine(StatusBoard.Line(device, options.Play?.AppId));
            }
        }

        Thread.Sleep(20);
    }

    // A last chance for what is in the outbox, then the final picture.
    foreach (var device in devices)
    {
        device.Runtime.Step();
        Console.WriteLine(StatusBoard.Line(device, options.Play?.AppId));
        device.Dispose();
    }

    Console.WriteLine("device host: stopped");
    return 0;
}
