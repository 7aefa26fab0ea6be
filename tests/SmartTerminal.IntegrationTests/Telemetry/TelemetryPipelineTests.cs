using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.InfluxShim;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Telemetry;

/// <summary>
/// Telemetry up and acknowledgements back (design brief section 2), all real: the device runtime in
/// the device host, the PolicyService with its embedded broker, and InfluxDB. The service acknowledges
/// only what InfluxDB stored.
/// </summary>
public sealed class TelemetryPipelineTests : IAsyncLifetime
{
    private const string Database = "smartterminal";
    private readonly string _folder = Directory.CreateTempSubdirectory("st-device-").FullName;
    private InfluxDbServer _influx = null!;
    private InfluxV2WriteForwarder _forwarder = null!;
    private PolicyServiceProcess _service = null!;

    public async Task InitializeAsync()
    {
        _influx = await InfluxDbServer.StartAsync(Database);
        _forwarder = new InfluxV2WriteForwarder(_influx.Url);
        try
        {
            _service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>
            {
                ["Influx:Url"] = _forwarder.Url.ToString(),
                ["Influx:Bucket"] = $"{Database}/autogen",
                ["Influx:Token"] = "tester:secret",
                ["Compliance:MinimumGroupSize"] = "2",
            });
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: stop InfluxDB here.
            _forwarder.Dispose();
            await _influx.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        _forwarder.Dispose();
        await _influx.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<VirtualDevice> RegisteredDeviceAsync()
    {
        var fleet = await FleetScenario.CreateAsync(_service, profile: "none");
        return Device(await fleet.RegisterAsync());
    }

    private VirtualDevice Device(RegisterDeviceResponse registered)
    {
        var config = new Wire.DeviceConfig
        {
            FormatVersion = 1,
            DeviceId = registered.DeviceId,
            MqttHost = "127.0.0.1",
            MqttPort = (uint)_service.MqttPort,
            MqttPassword = registered.MqttPassword,
            PolicyKeyId = registered.PolicyKeyId,
            PolicyKey = registered.PolicyKey,
            GuardianCodeSecret = registered.GuardianCodeSecret,
            InitialPolicy = registered.InitialPolicy,
            HeartbeatSeconds = 3600,
        };
        return new VirtualDevice(DeviceProvisioning.DeviceConfig(config), Path.Combine(_folder, registered.DeviceId), new HostClock(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), speed: 0), "127.0.0.1", _service.MqttPort);
    }

    private async Task<long> StoredUsageSecondsAsync(string deviceId)
    {
        var result = await _influx.QueryAsync($"SELECT sum(used_seconds) FROM usage WHERE device = '{deviceId}'", Database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    private static async Task<bool> DrainAsync(VirtualDevice device) =>
        await Eventually.TrueWithin(TimeSpan.FromSeconds(60), () =>
        {
            device.Idle(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10));
            return Task.FromResult(device.Runtime.Queue.Outbox.PendingMessages == 0);
        }, TimeSpan.FromMilliseconds(20));

    [Fact]
    public async Task Usage_is_stored_in_InfluxDB_once_and_then_acknowledged_to_the_device()
    {
        using var device = await RegisteredDeviceAsync();
        for (var session = 0; session < 3; session++)
        {
            Assert.Equal(600, device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10)));
            device.Idle(TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(30));
        }

        Assert.True(await DrainAsync(device), $"{device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged");

        Assert.Equal(1800, await StoredUsageSecondsAsync(device.Config.DeviceId));
        Assert.True(device.Runtime.Queue.Outbox.AckedThrough >= 3);
    }

    [Fact]
    public async Task A_guardian_looks_up_the_childs_usage_per_day_and_category()
    {
        var fleet = await FleetScenario.CreateAsync(_service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(registered, "usage-guardian", "2016-01");
        using (var device = Device(registered))
        {
            device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(10));
            device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30));
            Assert.True(await DrainAsync(device));
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var usage = await fleet.Guardians.GetUsageAsync(new GetUsageRequest
        {
            DeviceId = registered.DeviceId,
            FromDay = today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ToDay = today.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, guardian);

        Assert.Equal(20u * 60, usage.Rows.Aggregate(0u, (sum, row) => sum + row.UsedSeconds));
        Assert.All(usage.Rows, row => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", row.Day));
        var stranger = await _service.As("guardian", "not-paired");
        var denied = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => fleet.Guardians.GetUsageAsync(new GetUsageRequest { DeviceId = registered.DeviceId, FromDay = "2026-01-01", ToDay = "2026-01-02" }, stranger).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, denied.StatusCode);
    }

    [Fact]
    public async Task Compliance_sees_fleet_aggregates_with_small_groups_suppressed_and_budget_denials_counted()
    {
        var fleet = await FleetScenario.CreateAsync(_service, profile: "none");
        var lone = await FleetScenario.CreateAsync(_service, profile: "none");
        var first = await fleet.RegisterAsync();
        var second = await fleet.RegisterAsync();
        var alone = await lone.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(first, "strict-guardian", "2016-01");
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = first.DeviceId, Settings = new PolicySettings { DailyMinutes = 5 } }, guardian);
        foreach (var registered in new[] { first, second, alone })
        {
            using var device = Device(registered);
            var limited = registered == first;
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () =>
            {
                device.Idle(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
                return Task.FromResult(device.Runtime.Session.Connections > 0 && (!limited || device.Runtime.Engine.Policy.DailyBudgetMinutes.Length > 0));
            }, TimeSpan.FromMilliseconds(20)));
            device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
            if (limited)
            {
                Assert.False(device.Runtime.Engine.StartActivity(DeviceProvisioning.App("com.kids.reader")).IsAllowed);
            }

            device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30));
            Assert.True(await DrainAsync(device));
        }

        var period = new { From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-12)), To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(12)) };
        var auditor = await _service.As("auditor", "regulator");
        var usage = await fleet.Compliance.GetUsageReportAsync(new GetUsageReportRequest { FleetId = fleet.Fleet.Id, From = period.From, To = period.To }, auditor);
        var lonely = await fleet.Compliance.GetUsageReportAsync(new GetUsageReportRequest { FleetId = lone.Fleet.Id, From = period.From, To = period.To }, auditor);
        var enforcement = await fleet.Compliance.GetEnforcementReportAsync(new GetEnforcementReportRequest { FleetId = fleet.Fleet.Id, From = period.From, To = period.To }, fleet.AsManufacturer);

        var row = Assert.Single(usage.Rows);
        Assert.Equal(2u, row.Devices);
        Assert.Equal(7.5, row.MeanDailyMinutes, 1);
        Assert.Empty(lonely.Rows);
        Assert.Equal(1u, lonely.SuppressedGroups);
        Assert.True(enforcement.BudgetDenials >= 2, $"budget denials: {enforcement.BudgetDenials}");
        Assert.Equal(0ul, enforcement.ClockTamperEvents);
    }

    [Fact]
    public async Task While_the_database_is_down_nothing_is_acknowledged_and_afterwards_everything_arrives_once()
    {
        using var device = await RegisteredDeviceAsync();
        device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
        Assert.True(await DrainAsync(device));
        var ackedBefore = device.Runtime.Queue.Outbox.AckedThrough;

        await _influx.StopAsync();
        device.Use(DeviceProvisioning.App("com.kids.game"), TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(10));
        device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(10));
        await Task.Delay(500);
        device.Idle(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));

        Assert.True(device.Runtime.Queue.Outbox.PendingMessages > 0);
        Assert.Equal(ackedBefore, device.Runtime.Queue.Outbox.AckedThrough);

        await _influx.StartAgainAsync();
        Assert.True(await DrainAsync(device), $"{device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged after the database came back");
        Assert.Equal(25 * 60, await StoredUsageSecondsAsync(device.Config.DeviceId));
    }
}
