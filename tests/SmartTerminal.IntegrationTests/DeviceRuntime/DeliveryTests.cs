using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.DeviceRuntime;

/// <summary>
/// The device runtime against Mosquitto with a service-side acknowledger: no telemetry is lost and
/// none is counted twice, across days offline and a broker that dies mid-publish.
/// </summary>
public sealed class DeliveryTests : IAsyncLifetime
{
    private const string DeviceId = "st-dev-0001";
    private const string Password = "device-password";
    private readonly string _folder = Directory.CreateTempSubdirectory("st-device-").FullName;
    private readonly int _port = FreePort.Next();
    private readonly Dictionary<string, string> _users = new() { ["policy-service"] = "service-secret", [DeviceId] = Password };
    private MosquittoBroker? _broker;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private VirtualDevice NewDevice(long startUnixMs, uint heartbeatSeconds = 3600) => new(
        DeviceProvisioning.DeviceConfig(DeviceProvisioning.WireConfig(DeviceId, Password, _port, startUnixMs / 1000 - 60, heartbeatSeconds)),
        _folder,
        new HostClock(startUnixMs, speed: 0),
        "127.0.0.1",
        _port);

    private async Task StartBrokerAsync() => _broker = await MosquittoBroker.StartAsync(_users, DeviceProvisioning.Acl, _port);

    private static async Task DrainAsync(VirtualDevice device, UplinkAcknowledger acker)
    {
        var delivered = await Eventually.TrueWithin(TimeSpan.FromSeconds(60), () =>
        {
            device.Idle(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
            return Task.FromResult(device.Runtime.Queue.Outbox.PendingMessages == 0 && acker.ContiguousThrough(DeviceId) == device.Runtime.Queue.Outbox.LastSequence);
        }, TimeSpan.FromMilliseconds(20));
        Assert.True(delivered, $"outbox still holds {device.Runtime.Queue.Outbox.PendingMessages} message(s)");
    }

    [Fact]
    public async Task A_week_offline_with_play_every_day_arrives_exactly_once_and_in_order_after_reconnecting()
    {
        var start = DayClear.MorningUtc(daysAgo: 8).ToUnixTimeMilliseconds();
        using var device = NewDevice(start);
        for (var day = 0; day < 7; day++)
        {
            Assert.Equal(30 * 60, device.Use(DeviceProvisioning.App(DeviceProvisioning.Game), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(10)));
            device.Idle(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        }

        Assert.Equal(0, device.Runtime.Session.Connections);
        await StartBrokerAsync();
        await using var acker = await UplinkAcknowledger.ConnectAsync(_port, "policy-service", "service-secret");

        await DrainAsync(device, acker);

        var uplinks = acker.Uplinks(DeviceId);
        Assert.Equal(Enumerable.Range(1, uplinks.Count).Select(i => (ulong)i), uplinks.Select(u => u.Sequence));
        var usage = DeviceProvisioning.Usage(uplinks);
        Assert.Equal(7u * 30 * 60, usage.Values.Aggregate(0u, (a, b) => a + b));
        Assert.Equal(7, usage.Keys.Select(k => k.Item1 / 86_400).Distinct().Count());
        Assert.Empty(acker.Problems);
    }

    [Fact]
    public async Task A_broker_restart_in_the_middle_of_sending_a_backlog_loses_and_duplicates_nothing()
    {
        var start = DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeMilliseconds();
        using var device = NewDevice(start);
        for (var hour = 0; hour < 48; hour++)
        {
            device.Use(DeviceProvisioning.App(hour % 2 == 0 ? DeviceProvisioning.Game : "com.kids.reader"), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10));
            device.Idle(TimeSpan.FromMinutes(58), TimeSpan.FromMinutes(1));
        }

        var backlog = device.Runtime.Queue.Outbox.PendingMessages;
        await StartBrokerAsync();
        await using var acker = await UplinkAcknowledger.ConnectAsync(_port, "policy-service", "service-secret");
        // Step only until the device connects: that one step sends at most MaxPublishesPerStep messages,
        // so the broker dies with the backlog half sent, whatever the timing.
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(30), () =>
        {
            device.Clock.Advance(TimeSpan.FromSeconds(5));
            device.Runtime.Session.Step();
            return Task.FromResult(device.Runtime.Session.Connections > 0);
        }, TimeSpan.FromMilliseconds(5)));
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(acker.ContiguousThrough(DeviceId) >= 3)));

        await _broker!.DisposeAsync();
        device.Idle(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10));
        var interrupted = device.Runtime.Queue.Outbox.PendingMessages;
        await StartBrokerAsync();
        await acker.ReconnectAsync();
        await DrainAsync(device, acker);

        Assert.True(backlog > 40, $"backlog of {backlog} messages");
        Assert.True(interrupted > 0, "the restart should interrupt the backlog");
        Assert.True(device.Runtime.Session.Connections >= 2);
        var uplinks = acker.Uplinks(DeviceId);
        Assert.Equal(Enumerable.Range(1, uplinks.Count).Select(i => (ulong)i), uplinks.Select(u => u.Sequence));
        Assert.Equal(48u * 2 * 60, DeviceProvisioning.Usage(uplinks).Values.Aggregate(0u, (a, b) => a + b));
        Assert.Empty(acker.Problems);
    }

    [Fact]
    public async Task A_typical_childs_day_costs_under_4_KB_of_telemetry()
    {
        var start = DateTimeOffset.UtcNow.Date.AddDays(-2).ToUniversalTime();
        await StartBrokerAsync();
        await using var acker = await UplinkAcknowledger.ConnectAsync(_port, "policy-service", "service-secret");
        using var device = NewDevice(new DateTimeOffset(start).ToUnixTimeMilliseconds());

        // Morning reading, a game after school, videos in the evening, some idle hours in between.
        foreach (var (package, minutes, gapMinutes) in new[] { ("com.kids.reader", 20, 240), (DeviceProvisioning.Game, 30, 120), ("com.kids.video", 40, 60), ("com.kids.reader", 15, 60), (DeviceProvisioning.Game, 15, 0) })
        {
            device.Use(DeviceProvisioning.App(package), TimeSpan.FromMinutes(minutes), TimeSpan.FromSeconds(10));
            device.Idle(TimeSpan.FromMinutes(gapMinutes), TimeSpan.FromMinutes(1));
        }

        device.Runtime.Engine.CheckCall(12345);
        device.Idle(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(120 + 480), TimeSpan.FromMinutes(1));
        await DrainAsync(device, acker);

        var bytes = acker.Bytes(DeviceId);
        Console.WriteLine($"telemetry for a typical child's day: {bytes} bytes in {acker.Uplinks(DeviceId).Count} uplinks");
        Assert.Equal(120u * 60, DeviceProvisioning.Usage(acker.Uplinks(DeviceId)).Values.Aggregate(0u, (a, b) => a + b));
        Assert.InRange(bytes, 1, 4096);
    }
}
