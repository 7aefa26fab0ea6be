using System.Buffers;
using Google.Protobuf;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Security;

/// <summary>
/// Values a device chooses and the service turns into InfluxDB timestamps, tags and SQLite rows:
/// record times outside a window, unknown categories, and a quarantine a device could fill.
/// </summary>
public sealed class DeviceChosenValuesTests : IAsyncLifetime
{
    private TelemetryStack _stack = null!;

    public async Task InitializeAsync() => _stack = await TelemetryStack.StartAsync(minimumGroupSize: 2, new Dictionary<string, string>
    {
        ["Telemetry:QuarantineEntriesPerDevice"] = "5",
        ["Telemetry:QuarantineBytesPerDevice"] = "12000",
    });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private async Task<(string DeviceId, MqttTestClient Device)> ConnectedDeviceAsync()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var device = await fleet.ConnectAsDeviceAsync(registered);
        await device.SubscribeAsync($"st/v1/{registered.DeviceId}/control");
        return (registered.DeviceId, device);
    }

    private static Task<bool> AckedThroughAsync(MqttTestClient device, string deviceId, ulong sequence) =>
        UplinkAcks.ThroughAsync(device, deviceId, sequence, orLater: true);

    private async Task<(long Rows, long Bytes, long Dropped, string Reasons)> QuarantineAsync(string deviceId)
    {
        var kept = await ServiceState.QueryAsync<QuarantinedUplink>(_stack.Service, "SELECT sequence, reason, received_at, payload FROM quarantined_uplinks WHERE device_id = @deviceId", new { deviceId });
        var dropped = (await ServiceState.QueryAsync<long>(_stack.Service, "SELECT COALESCE(SUM(dropped), 0) FROM quarantine_overflow WHERE device_id = @deviceId", new { deviceId })).Single();
        return (kept.Count, kept.Sum(k => (long)k.Payload.Length), dropped, string.Join(" | ", kept.Select(k => k.Reason)));
    }

    private async Task<(long Series, long Shards)> FootprintAsync(string deviceId)
    {
        var series = (await _stack.Influx.QueryAsync($"SHOW SERIES WHERE device = '{deviceId}'", TelemetryStack.Database)).GetProperty("results")[0];
        var shards = (await _stack.Influx.QueryAsync("SHOW SHARDS", TelemetryStack.Database)).GetProperty("results")[0];
        var shardCount = shards.TryGetProperty("series", out var s)
            ? s.EnumerateArray().Where(x => x.TryGetProperty("name", out var n) && n.GetString() == TelemetryStack.Database && x.TryGetProperty("values", out _)).Sum(x => x.GetProperty("values").GetArrayLength())
            : 0;
        return (series.TryGetProperty("series", out var v) ? v[0].GetProperty("values").GetArrayLength() : 0, shardCount);
    }

    [Fact]
    public async Task An_uplink_naming_three_hundred_weeks_and_unknown_categories_writes_only_its_plausible_records()
    {
        var (deviceId, device) = await ConnectedDeviceAsync();
        await using var _ = device;
        var now = DateTimeOffset.UtcNow;
        var usage = new Wire.UsageBatch();
        for (var week = 0; week < 300; week++)
        {
            usage.Records.Add(new Wire.UsageRecord { BucketStartUnix = now.AddDays(-7 * (week + 20)).ToUnixTimeSeconds(), BucketSeconds = 300, Category = Wire.AppCategory.Games, UsedSeconds = 60 });
        }

        usage.Records.Add(new Wire.UsageRecord { BucketStartUnix = now.AddYears(5).ToUnixTimeSeconds(), BucketSeconds = 300, Category = Wire.AppCategory.Games, UsedSeconds = 60 });
        usage.Records.Add(new Wire.UsageRecord { BucketStartUnix = now.AddMinutes(-10).ToUnixTimeSeconds(), BucketSeconds = 300, Category = (Wire.AppCategory)4242, UsedSeconds = 60 });
        usage.Records.Add(new Wire.UsageRecord { BucketStartUnix = now.AddMinutes(-10).ToUnixTimeSeconds(), BucketSeconds = 300, Category = Wire.AppCategory.Reading, UsedSeconds = 400 });
        usage.Records.Add(new Wire.UsageRecord { BucketStartUnix = now.AddMinutes(-10).ToUnixTimeSeconds(), BucketSeconds = 300, Category = Wire.AppCategory.Reading, UsedSeconds = 120 });
        var shardsBefore = (await FootprintAsync(deviceId)).Shards;

        await device.PublishAsync($"st/v1/{deviceId}/up", new Wire.UplinkEnvelope { Sequence = 1, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(), Usage = usage }.ToByteArray());

        Assert.True(await AckedThroughAsync(device, deviceId, 1));
        var (series, shards) = await FootprintAsync(deviceId);
        Assert.Equal(1, series);
        Assert.InRange(shards - shardsBefore, 0, 1);
        var stored = (await _stack.Influx.QueryAsync($"SELECT sum(used_seconds), count(used_seconds) FROM usage WHERE device = '{deviceId}'", TelemetryStack.Database)).GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0];
        Assert.Equal(120, stored[1].GetInt64());
        Assert.Equal(1, stored[2].GetInt64());
        var (rows, _, _, reasons) = await QuarantineAsync(deviceId);
        Assert.Equal(1, rows);
        Assert.Contains("300 usage record(s) before the accepted window", reasons, StringComparison.Ordinal);
        Assert.Contains("ahead of the service's clock", reasons, StringComparison.Ordinal);
        Assert.Contains("unknown category", reasons, StringComparison.Ordinal);
        Assert.Contains("impossible durations", reasons, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_of_unknown_kinds_or_far_times_are_kept_out_of_InfluxDB()
    {
        var (deviceId, device) = await ConnectedDeviceAsync();
        await using var _ = device;
        var now = DateTimeOffset.UtcNow;
        var events = new Wire.EnforcementEventBatch
        {
            Events =
            {
                new Wire.EnforcementEvent { AtUnix = now.ToUnixTimeSeconds(), Kind = Wire.EnforcementEventKind.Denied, Reason = 2 },
                new Wire.EnforcementEvent { AtUnix = now.ToUnixTimeSeconds(), Kind = (Wire.EnforcementEventKind)99, Reason = 2 },
                new Wire.EnforcementEvent { AtUnix = 4_000_000_000, Kind = Wire.EnforcementEventKind.Denied, Reason = 2 },
            },
        };

        await device.PublishAsync($"st/v1/{deviceId}/up", new Wire.UplinkEnvelope { Sequence = 1, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(), Events = events }.ToByteArray());

        Assert.True(await AckedThroughAsync(device, deviceId, 1));
        var kinds = (await _stack.Influx.QueryAsync($"SHOW TAG VALUES FROM events WITH KEY = kind WHERE device = '{deviceId}'", TelemetryStack.Database)).GetProperty("results")[0].GetProperty("series")[0].GetProperty("values");
        Assert.Equal(1, kinds.GetArrayLength());
        Assert.Equal("1", kinds[0][1].GetString());
    }

    [Theory]
    [InlineData(40, 1000, 5)] // the entry bound (5) is reached first
    [InlineData(6, 5000, 2)] // the byte bound (12,000) is reached first
    public async Task A_device_sending_garbage_cannot_grow_its_quarantine_past_its_bounds(int messages, int size, int kept)
    {
        var (deviceId, device) = await ConnectedDeviceAsync();
        await using var _ = device;

        for (var i = 0; i < messages; i++)
        {
            // Different bytes each time (identical resends are kept once anyway), each under the uplink limit.
            var garbage = new byte[size];
            BitConverter.GetBytes(i + 1).CopyTo(garbage, 1);
            await device.PublishAsync($"st/v1/{deviceId}/up", garbage);
        }

        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), async () => await QuarantineAsync(deviceId) is { } q && q.Rows + q.Dropped == messages));
        var (rows, bytes, dropped, _) = await QuarantineAsync(deviceId);
        Assert.Equal(kept, rows);
        Assert.Equal(kept * size, bytes);
        Assert.Equal(messages - kept, dropped);
    }
}
