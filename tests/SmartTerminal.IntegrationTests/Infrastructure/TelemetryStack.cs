using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.DeviceHost;
using SmartTerminal.InfluxShim;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>
/// Everything telemetry needs, all real: InfluxDB 1.6 with the /api/v2/write forwarder in front, the
/// PolicyService writing to it, and virtual devices (the device core in the device host) on its broker.
/// </summary>
internal sealed class TelemetryStack : IAsyncDisposable
{
    public const string Database = "smartterminal";

    private readonly string _folder = Directory.CreateTempSubdirectory("st-device-").FullName;
    private readonly InfluxV2WriteForwarder _forwarder;

    private TelemetryStack(InfluxDbServer influx, InfluxV2WriteForwarder forwarder, PolicyServiceProcess service)
    {
        Influx = influx;
        _forwarder = forwarder;
        Service = service;
    }

    public InfluxDbServer Influx { get; }

    public PolicyServiceProcess Service { get; }

    public static async Task<TelemetryStack> StartAsync(int minimumGroupSize, IDictionary<string, string>? settings = null)
    {
        var influx = await InfluxDbServer.StartAsync(Database);
        var forwarder = new InfluxV2WriteForwarder(influx.Url);
        try
        {
            var service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>
            {
                ["Influx:Url"] = forwarder.Url.ToString(),
                ["Influx:Bucket"] = $"{Database}/autogen",
                ["Influx:Token"] = "tester:secret",
                ["Compliance:MinimumGroupSize"] = minimumGroupSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }.Concat(settings ?? new Dictionary<string, string>()).ToDictionary());
            return new TelemetryStack(influx, forwarder, service);
        }
        catch
        {
            forwarder.Dispose();
            await influx.DisposeAsync();
            throw;
        }
    }

    /// <summary>A virtual device provisioned with what registration returned, its flash in a folder of its own, on real time.</summary>
    public VirtualDevice Device(RegisterDeviceResponse registered) => Device(registered, Service.MqttPort);

    /// <summary>The same on another broker (an external one the service is connected to).</summary>
    public VirtualDevice Device(RegisterDeviceResponse registered, int mqttPort) =>
        DeviceProvisioning.VirtualDevice(registered, mqttPort, Path.Combine(_folder, registered.DeviceId));

    /// <summary>Lets the device run until the service acknowledged everything in its outbox.</summary>
    public static async Task<bool> DrainAsync(VirtualDevice device) =>
        await Eventually.TrueWithin(TimeSpan.FromSeconds(60), () =>
        {
            device.Idle(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10));
            return Task.FromResult(device.Runtime.Queue.Outbox.PendingMessages == 0);
        }, TimeSpan.FromMilliseconds(20));

    /// <summary>Runs the device until it is connected and, when asked, holds a policy with a daily budget.</summary>
    public static async Task<bool> ConnectedAsync(VirtualDevice device, bool withDailyBudget) =>
        await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () =>
        {
            device.Idle(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            return Task.FromResult(device.Runtime.Session.Connections > 0 && (!withDailyBudget || device.Runtime.Engine.Policy.DailyBudgetMinutes.Length > 0));
        }, TimeSpan.FromMilliseconds(20));

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        _forwarder.Dispose();
        await Influx.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
