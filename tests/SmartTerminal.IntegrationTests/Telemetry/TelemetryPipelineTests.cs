using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Telemetry;

/// <summary>
/// Telemetry up and acknowledgements back (design brief section 2), all real: the device runtime in
/// the device host, the PolicyService with its embedded broker, and InfluxDB. The service acknowledges
/// only what InfluxDB stored.
/// </summary>
public sealed class TelemetryPipelineTests : IAsyncLifetime
{
    private TelemetryStack _stack = null!;

    public async Task InitializeAsync() => _stack = await TelemetryStack.StartAsync(minimumGroupSize: 2);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private async Task<VirtualDevice> RegisteredDeviceAsync()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        return Device(await fleet.RegisterAsync());
    }

    private VirtualDevice Device(RegisterDeviceResponse registered) => _stack.Device(registered);

    private async Task<long> StoredUsageSecondsAsync(string deviceId)
    {
        var result = await _stack.Influx.QueryAsync($"SELECT sum(used_seconds) FROM usage WHERE device = '{deviceId}'", TelemetryStack.Database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    private static Task<bool> DrainAsync(VirtualDevice device) => TelemetryStack.DrainAsync(device);

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
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(registered, "usage-guardian", "2016-01");
        using (var device = Device(registered))
        {
            device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(10));
            device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30));
            Assert.True(await DrainAsync(device));
            // The next heartbeat (an hour on; the first went out before the clock was trusted) vouches for the usage sent.
            device.Idle(TimeSpan.FromHours(1), TimeSpan.FromSeconds(30));
            Assert.True(await DrainAsync(device));
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var usage = await fleet.Guardians.GetUsageAsync(new GetUsageRequest
        {
            DeviceId = registered.DeviceId,
            FromDay = today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ToDay = today.AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, guardian);

        Assert.Equal(20u * 60, usage.Rows.Aggregate(0u, (sum, row) => sum + row.UsedSeconds));
        Assert.NotNull(usage.UsageCompleteThrough);
        Assert.True(usage.UsageCompleteThrough.ToDateTimeOffset() <= DateTimeOffset.UtcNow);
        Assert.All(usage.Rows, row => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", row.Day));
        var stranger = await _stack.Service.As("guardian", "not-paired");
        var denied = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => fleet.Guardians.GetUsageAsync(new GetUsageRequest { DeviceId = registered.DeviceId, FromDay = "2026-01-01", ToDay = "2026-01-02" }, stranger).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, denied.StatusCode);
    }

    [Fact]
    public async Task A_video_watched_without_a_touch_is_counted_as_use_end_to_end_while_an_untouched_screen_is_not()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var watcher = await fleet.RegisterAsync();
        var idler = await fleet.RegisterAsync();
        var scripted = await fleet.RegisterAsync();
        var video = DeviceProvisioning.App("com.kids.video");
        using (var device = Device(watcher))
        {
            Assert.Equal(40 * 60, device.Watch(video, TimeSpan.FromMinutes(40), TimeSpan.FromSeconds(10)));
            device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30));
            Assert.True(await DrainAsync(device));
        }

        using (var device = Device(idler))
        {
            // The app stays open and nobody touches it or reports playback: an idle screen.
            Assert.True(device.Runtime.Engine.StartActivity(video).IsAllowed);
            device.Idle(TimeSpan.FromMinutes(40), TimeSpan.FromSeconds(10));
            device.Runtime.Engine.StopActivity();
            device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30));
            Assert.True(await DrainAsync(device));
        }

        using (var device = Device(scripted))
        {
            // The device host's play script in its watch mode: 20 minutes of video every hour, for an hour.
            var script = new PlayScript(video, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(60), watch: true);
            for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(60); elapsed += TimeSpan.FromSeconds(10))
            {
                device.Clock.Advance(TimeSpan.FromSeconds(10));
                script.Apply(device);
                device.Runtime.Step();
            }

            // The hour may end inside a watching phase (the script follows the device's own clock).
            device.Runtime.Engine.StopActivity();
            device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30));
            Assert.True(await DrainAsync(device));
        }

        Assert.Equal(40 * 60, await StoredUsageSecondsAsync(watcher.DeviceId));
        Assert.InRange(await StoredUsageSecondsAsync(idler.DeviceId), 0, 130);
        Assert.InRange(await StoredUsageSecondsAsync(scripted.DeviceId), (20 * 60) - 20, (20 * 60) + 20);
    }

    [Fact]
    public async Task Compliance_sees_fleet_aggregates_with_small_groups_suppressed_and_budget_and_other_denials_counted()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var lone = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var first = await fleet.RegisterAsync();
        var second = await fleet.RegisterAsync();
        var alone = await lone.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(first, "strict-guardian", "2016-01");
        // The child's day must not end during the play, or the budget would start again.
        var settings = new PolicySettings { DailyMinutes = 5, TimeZone = DayClear.MiddayZone() };
        settings.Apps.Add(new AppSetting { PackageName = "com.kids.casino", Access = SmartTerminal.Contracts.Device.V1.AppAccess.Block });
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = first.DeviceId, Settings = settings }, guardian);
        foreach (var registered in new[] { first, second, alone })
        {
            using var device = Device(registered);
            var limited = registered == first;
            Assert.True(await TelemetryStack.ConnectedAsync(device, withDailyBudget: limited));
            device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
            if (limited)
            {
                Assert.False(device.Runtime.Engine.StartActivity(DeviceProvisioning.App("com.kids.reader")).IsAllowed);
                Assert.False(device.Runtime.Engine.StartActivity(DeviceProvisioning.App("com.kids.casino")).IsAllowed);
            }

            device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30));
            Assert.True(await DrainAsync(device));
        }

        var period = new { From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-12)), To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(12)) };
        var auditor = await _stack.Service.As("auditor", "regulator");
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
        Assert.Equal(1ul, enforcement.OtherDenials);
    }

    [Fact]
    public async Task While_the_database_is_down_nothing_is_acknowledged_and_afterwards_everything_arrives_once()
    {
        using var device = await RegisteredDeviceAsync();
        device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
        Assert.True(await DrainAsync(device));
        var ackedBefore = device.Runtime.Queue.Outbox.AckedThrough;

        await _stack.Influx.StopAsync();
        device.Use(DeviceProvisioning.App("com.kids.game"), TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(10));
        device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(10));
        // The service has tried to store what the device sent, and failed: said once, not once per uplink.
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), () => Task.FromResult(_stack.Service.Output.Contains("InfluxDB writes fail", StringComparison.Ordinal))));
        device.Idle(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
        Assert.Equal(1, CountOf(_stack.Service.Output, "InfluxDB writes fail"));

        Assert.True(device.Runtime.Queue.Outbox.PendingMessages > 0);
        Assert.Equal(ackedBefore, device.Runtime.Queue.Outbox.AckedThrough);

        await _stack.Influx.StartAgainAsync();
        Assert.True(await DrainAsync(device), $"{device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged after the database came back");
        Assert.Equal(25 * 60, await StoredUsageSecondsAsync(device.Config.DeviceId));
        Assert.Contains("InfluxDB writes succeed again", _stack.Service.Output, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
