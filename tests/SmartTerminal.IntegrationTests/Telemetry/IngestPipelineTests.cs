using System.Diagnostics;
using System.Net;
using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Telemetry;

/// <summary>
/// The batched ingest pipeline against the real service, broker and InfluxDB, with devices' own
/// logins: a permanent refusal by InfluxDB dead-letters one uplink instead of blocking its device, a
/// flooding device is held back while others are acknowledged at once, and the pipeline's metrics and
/// readiness are there to scrape.
/// </summary>
public sealed class IngestPipelineTests : IAsyncLifetime
{
    private const double QuotaPerSecond = 5;
    private const int QuotaBurst = 10;
    private static readonly HttpClient Http = new();
    private TelemetryStack _stack = null!;

    public async Task InitializeAsync() => _stack = await TelemetryStack.StartAsync(minimumGroupSize: 2, new Dictionary<string, string>
    {
        ["Ingest:DeviceUplinksPerSecond"] = QuotaPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ingest:DeviceBurst"] = QuotaBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static byte[] Heartbeat(ulong sequence) => RawUplinks.Heartbeat(sequence);

    private static byte[] Usage(ulong sequence, DateTimeOffset bucketStart, uint usedSeconds, uint bucketSeconds = 900) => new Wire.UplinkEnvelope
    {
        Sequence = sequence,
        CreatedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Usage = new Wire.UsageBatch
        {
            Records = { new Wire.UsageRecord { BucketStartUnix = bucketStart.ToUnixTimeSeconds(), BucketSeconds = bucketSeconds, Category = Wire.AppCategory.Education, AppId = 7, UsedSeconds = usedSeconds } },
        },
    }.ToByteArray();

    private async Task<(RegisterDeviceResponse Registered, MqttTestClient Device)> ConnectedDeviceAsync(FleetScenario fleet)
    {
        var registered = await fleet.RegisterAsync();
        var device = await fleet.ConnectAsDeviceAsync(registered);
        await device.SubscribeAsync($"st/v1/{registered.DeviceId}/control");
        return (registered, device);
    }

    private async Task<long> StoredUsageSecondsAsync(string deviceId)
    {
        var result = await _stack.Influx.QueryAsync($"SELECT sum(used_seconds) FROM usage WHERE device = '{deviceId}'", TelemetryStack.Database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    private Task<string> MetricsAsync() => Http.GetStringAsync(new Uri(_stack.Service.RestAddress, "/metrics"));

    private static double Metric(string scrape, string name) =>
        scrape.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length == name.Length || l[name.Length] is ' ' or '{'))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task An_uplink_InfluxDB_refuses_for_good_is_dead_lettered_with_its_reason_and_the_device_moves_on()
    {
        // A retention policy of one hour: InfluxDB refuses (400, partial write) a record from three hours
        // ago that the service itself accepts (it takes records up to 90 days old).
        await _stack.Influx.QueryAsync($"ALTER RETENTION POLICY autogen ON {TelemetryStack.Database} DURATION 1h SHARD DURATION 1h", TelemetryStack.Database, post: true);
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var (registered, device) = await ConnectedDeviceAsync(fleet);
        await using var _ = device;
        var up = $"st/v1/{registered.DeviceId}/up";
        var now = DateTimeOffset.UtcNow;

        await device.PublishAsync(up, Usage(1, now.AddHours(-3), 300));
        await device.PublishAsync(up, Usage(2, now.AddMinutes(-20), 120));
        await device.PublishAsync(up, Heartbeat(3));

        Assert.True(await UplinkAcks.ThroughAsync(device, registered.DeviceId, 3), "the device was held back by the refused uplink");
        var kept = Assert.Single(await ServiceState.QueryAsync<QuarantinedUplink>(_stack.Service,
            "SELECT sequence, reason, received_at, payload FROM quarantined_uplinks WHERE device_id = @deviceId", new { deviceId = registered.DeviceId }));
        Assert.Equal(1, kept.Sequence);
        Assert.Contains("refused", kept.Reason, StringComparison.Ordinal);
        Assert.Contains("retention", kept.Reason, StringComparison.Ordinal);
        Assert.Equal(120, await StoredUsageSecondsAsync(registered.DeviceId));
        Assert.Equal(1, Metric(await MetricsAsync(), "smartterminal_ingest_uplinks_dead_lettered_total"));
    }

    [Fact]
    public async Task A_device_flooding_its_uplink_is_held_back_while_another_device_is_acknowledged_at_once_and_nothing_is_lost()
    {
        const int Flood = 60;
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var (flooderId, flooder) = await ConnectedDeviceAsync(fleet);
        var (quietId, quiet) = await ConnectedDeviceAsync(fleet);
        await using var f = flooder;
        await using var q = quiet;

        // All at once: the broker holds the flooder's session once its burst is spent.
        var flooding = Task.WhenAll(Enumerable.Range(1, Flood).Select(i => flooder.PublishAsync($"st/v1/{flooderId.DeviceId}/up", Heartbeat((ulong)i))));
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () => Metric(await MetricsAsync(), "smartterminal_ingest_uplinks_throttled_total") > 0));
        var sent = Stopwatch.StartNew();
        await quiet.PublishAsync($"st/v1/{quietId.DeviceId}/up", Heartbeat(1));
        Assert.True(await UplinkAcks.ThroughAsync(quiet, quietId.DeviceId, 1));
        var quietAck = sent.Elapsed;
        var flooderDone = flooding.IsCompleted;

        await flooding.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(await UplinkAcks.ThroughAsync(flooder, flooderId.DeviceId, Flood), "the flooder's uplinks were not all stored");
        Assert.True(quietAck < TimeSpan.FromSeconds(3), $"the quiet device waited {quietAck.TotalMilliseconds:F0} ms for its acknowledgement");
        Assert.False(flooderDone, "the flood was over before the quiet device sent: nothing was tested");
        var scrape = await MetricsAsync();
        Assert.Equal(Flood + 1, Metric(scrape, "smartterminal_ingest_uplinks_stored_total"));
        Assert.True(Metric(scrape, "smartterminal_ingest_uplinks_throttled_total") >= Flood - QuotaBurst - 5);
    }

    [Fact]
    public async Task A_merged_bucket_spanning_days_is_spread_over_them_so_no_day_shows_more_than_a_day()
    {
        // As measured on a device after a week offline: 93,834 s of use merged into one 284,100 s bucket,
        // next to an ordinary 5-minute record.
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var (registered, device) = await ConnectedDeviceAsync(fleet);
        await using var _ = device;
        var (guardian, _) = await fleet.PairAsync(registered, "merged-guardian");
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-23).ToUnixTimeSeconds() / 300 * 300);
        await device.PublishAsync($"st/v1/{registered.DeviceId}/up", Usage(1, start, 93_834, bucketSeconds: 284_100));
        await device.PublishAsync($"st/v1/{registered.DeviceId}/up", Usage(2, start.AddMinutes(-10), 200, bucketSeconds: 300));
        Assert.True(await UplinkAcks.ThroughAsync(device, registered.DeviceId, 2));

        var days = (await fleet.Guardians.GetUsageAsync(new GetUsageRequest
        {
            DeviceId = registered.DeviceId,
            FromDay = start.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ToDay = start.AddDays(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, guardian)).Rows;

        Assert.All(days, d => Assert.True(d.UsedSeconds <= 86_400, $"{d.Day} shows {d.UsedSeconds} s"));
        Assert.InRange(days.Sum(d => (long)d.UsedSeconds), 93_834 + 200 - 4, 93_834 + 200 + 4);
        Assert.True(days.Select(d => d.Day).Distinct().Count() >= 4, "the bucket covers four days");
    }

    [Fact]
    public async Task Usage_is_complete_through_a_heartbeats_claim_only_once_every_uplink_before_it_is_stored()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var (registered, device) = await ConnectedDeviceAsync(fleet);
        await using var _ = device;
        var (guardian, _) = await fleet.PairAsync(registered, "complete-guardian");
        var up = $"st/v1/{registered.DeviceId}/up";
        var now = DateTimeOffset.UtcNow;
        var claim = DateTimeOffset.FromUnixTimeSeconds((now.ToUnixTimeSeconds() / 300 * 300) - 600);
        byte[] Claiming(ulong sequence, DateTimeOffset through, Wire.ClockState clock = Wire.ClockState.Trusted) =>
            RawUplinks.Heartbeat(sequence, clock: clock, usageCompleteThrough: through);
        async Task<DateTimeOffset?> CompleteThroughAsync() => (await fleet.Guardians.GetUsageAsync(new GetUsageRequest
        {
            DeviceId = registered.DeviceId,
            FromDay = now.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ToDay = now.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, guardian)).UsageCompleteThrough?.ToDateTimeOffset();

        // Sequence 2 is lost on the way: the heartbeat at 3 is stored but cannot vouch for what came before it.
        await device.PublishAsync(up, Usage(1, claim.AddMinutes(-30), 300, bucketSeconds: 300));
        await device.PublishAsync(up, Claiming(3, claim));
        Assert.True(await UplinkAcks.ThroughAsync(device, registered.DeviceId, 1));
        Assert.Null(await CompleteThroughAsync());

        // The gap closes: the claim waited with its sequence and holds now; a later, earlier claim does not lower it.
        await device.PublishAsync(up, Usage(2, claim.AddMinutes(-20), 120, bucketSeconds: 300));
        Assert.True(await UplinkAcks.ThroughAsync(device, registered.DeviceId, 3));
        Assert.Equal(claim, await CompleteThroughAsync());
        await device.PublishAsync(up, Claiming(4, claim.AddMinutes(-5)));
        Assert.True(await UplinkAcks.ThroughAsync(device, registered.DeviceId, 4));
        Assert.Equal(claim, await CompleteThroughAsync());

        // A claim beyond the service's clock is cut to it; an older claim never moves it back.
        await device.PublishAsync(up, Claiming(5, now.AddDays(1)));
        await device.PublishAsync(up, Claiming(6, claim.AddHours(-2)));
        Assert.True(await UplinkAcks.ThroughAsync(device, registered.DeviceId, 6));
        var capped = await CompleteThroughAsync();
        Assert.NotNull(capped);
        Assert.InRange(capped!.Value, claim.AddSeconds(1), DateTimeOffset.UtcNow);

        // A stale clock does not vouch (it may run ahead, and a claim is never taken back).
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await device.PublishAsync(up, Claiming(7, DateTimeOffset.UtcNow, Wire.ClockState.Stale));
        Assert.True(await UplinkAcks.ThroughAsync(device, registered.DeviceId, 7));
        Assert.Equal(capped, await CompleteThroughAsync());
    }

    [Fact]
    public async Task Readiness_follows_InfluxDB_while_liveness_does_not()
    {
        async Task<HttpStatusCode> StatusAsync(string path)
        {
            using var response = await Http.GetAsync(new Uri(_stack.Service.RestAddress, path));
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/healthz/ready"));
        await _stack.Influx.StopAsync();
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () => await StatusAsync("/healthz/ready") == HttpStatusCode.ServiceUnavailable));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/healthz/live"));
        await _stack.Influx.StartAgainAsync();
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () => await StatusAsync("/healthz/ready") == HttpStatusCode.OK));
        Assert.Contains("smartterminal_ingest_queue_depth", await MetricsAsync(), StringComparison.Ordinal);
    }
}
