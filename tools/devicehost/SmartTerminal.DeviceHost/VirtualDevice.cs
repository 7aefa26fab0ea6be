using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Platform;
using SmartTerminal.Device.Core.Protobuf;
using SmartTerminal.Device.Core.Runtime;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// One simulated device: its configuration file, its own folder as flash, its own clocks and MQTT
/// connection, and the same <see cref="DeviceRuntime"/> the ESP32 runs.
/// </summary>
public sealed class VirtualDevice : IDisposable
{
    private readonly VirtualDeviceLink _transport;

    public VirtualDevice(DeviceConfig config, string folder, HostClock clock, string brokerHost, int brokerPort)
    {
        Config = config;
        Clock = clock;
        Storage = FolderStorage.Open(folder);
        _transport = new VirtualDeviceLink(new MqttNetTransport(brokerHost, brokerPort), clock, new UplinkTally());
        Runtime = new DeviceRuntime(config, clock, Storage, new DotNetHmac(), _transport, "host-1.0");
    }

    /// <summary>True while the device's MQTT session is up.</summary>
    public bool IsConnected => _transport.IsConnected;

    /// <summary>Usage seconds sent and acknowledged by the service.</summary>
    public UplinkTally Tally => _transport.Tally;

    /// <summary>The last decision the child got when opening an app, for the status line.</summary>
    public Decision? LastDecision { get; set; }

    public DeviceConfig Config { get; }

    public HostClock Clock { get; }

    public IStorage Storage { get; }

    public DeviceRuntime Runtime { get; }

    /// <summary>Reads a configuration file written by the flasher (DeviceConfig protobuf).</summary>
    public static DeviceConfig ReadConfig(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var error = DeviceConfig.TryDecode(bytes, 0, bytes.Length, out var config);
        return error == ProtoError.None ? config : throw new InvalidDataException($"{path}: not a device configuration ({error})");
    }

    /// <summary>The child uses an app for a while (virtual time), interacting throughout; returns seconds allowed.</summary>
    public int Use(uint appId, TimeSpan duration, TimeSpan tick)
    {
        var decision = Runtime.Engine.StartActivity(appId);
        LastDecision = decision;
        if (!decision.IsAllowed)
        {
            return 0;
        }

        var played = 0;
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += tick)
        {
            Clock.Advance(tick);
            Runtime.Engine.NoteInteraction();
            played += (int)tick.TotalSeconds;
            if (Runtime.Step().Action == AccountingAction.Stop)
            {
                break;
            }
        }

        Runtime.Engine.StopActivity();
        return played;
    }

    /// <summary>
    /// The child watches an app (a video) for a while without touching the device; the host reports
    /// the playback as ongoing, as the firmware head does. Returns the seconds allowed.
    /// </summary>
    public int Watch(uint appId, TimeSpan duration, TimeSpan tick)
    {
        var decision = Runtime.Engine.StartActivity(appId);
        LastDecision = decision;
        if (!decision.IsAllowed)
        {
            return 0;
        }

        Runtime.Engine.SetOngoing(true);
        var watched = 0;
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += tick)
        {
            Clock.Advance(tick);
            watched += (int)tick.TotalSeconds;
            if (Runtime.Step().Action == AccountingAction.Stop)
            {
                break;
            }
        }

        Runtime.Engine.StopActivity();
        return watched;
    }

    /// <summary>Time passes with the device idle (virtual time), stepping the runtime.</summary>
    public void Idle(TimeSpan duration, TimeSpan tick)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += tick)
        {
            Clock.Advance(tick);
            Runtime.Step();
        }
    }

    public void Dispose()
    {
        Runtime.Shutdown();
        _transport.Dispose();
    }
}
