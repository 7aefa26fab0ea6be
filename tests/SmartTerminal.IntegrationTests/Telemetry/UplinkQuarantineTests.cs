using System.Buffers;
using Google.Protobuf;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Telemetry;

/// <summary>
/// An uplink the service cannot read loses nothing and blocks nothing: its bytes are kept in the
/// quarantine table, and when its sequence number can still be read it is acknowledged, so the
/// device's outbox moves on. Against the real service, broker and InfluxDB, with a device's own login.
/// </summary>
public sealed class UplinkQuarantineTests : IAsyncLifetime
{
    // Sequence 2, then a usage batch (field 10) whose length runs 127 bytes past the end.
    private static readonly byte[] Damaged = [0x08, 0x02, 0x52, 0x7F, 0x01];

    // Not even a tag: field number 0 is invalid.
    private static readonly byte[] Garbage = [0x00, 0xFF, 0xFF];

    private TelemetryStack _stack = null!;

    public async Task InitializeAsync() => _stack = await TelemetryStack.StartAsync(minimumGroupSize: 2);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static byte[] Heartbeat(ulong sequence) => RawUplinks.Heartbeat(sequence);

    private static Task<bool> AckedThroughAsync(MqttTestClient device, string deviceId, ulong sequence) =>
        UplinkAcks.ThroughAsync(device, deviceId, sequence);

    private async Task<List<(ulong Sequence, string Reason, byte[] Payload)>> QuarantinedAsync(string deviceId) =>
        [.. (await ServiceState.QueryAsync<QuarantinedUplink>(_stack.Service, "SELECT sequence, reason, received_at, payload FROM quarantined_uplinks WHERE device_id = @deviceId ORDER BY received_at, sequence", new { deviceId }))
            .Select(q => ((ulong)q.Sequence, q.Reason, q.Payload))];

    private async Task<long> StoredHeartbeatsAsync(string deviceId)
    {
        var result = await _stack.Influx.QueryAsync($"SELECT count(policy_version) FROM heartbeat WHERE device = '{deviceId}'", TelemetryStack.Database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    // A registered device logged in with its own credentials and listening on its control topic.
    private async Task<(SmartTerminal.Contracts.Api.V1.RegisterDeviceResponse Registered, MqttTestClient Device)> ConnectedDeviceAsync()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var device = await fleet.ConnectAsDeviceAsync(registered);
        await device.SubscribeAsync($"st/v1/{registered.DeviceId}/control");
        return (registered, device);
    }

    [Fact]
    public async Task A_damaged_uplink_with_a_readable_sequence_is_kept_byte_for_byte_and_acknowledged_so_the_device_moves_on()
    {
        var (registered, device) = await ConnectedDeviceAsync();
        await using var _ = device;
        var up = $"st/v1/{registered.DeviceId}/up";

        await device.PublishAsync(up, Heartbeat(1));
        Assert.True(await AckedThroughAsync(device, registered.DeviceId, 1));
        await device.PublishAsync(up, Damaged);
        Assert.True(await AckedThroughAsync(device, registered.DeviceId, 2), "the damaged uplink was not acknowledged");
        await device.PublishAsync(up, Damaged);
        await device.PublishAsync(up, Heartbeat(3));
        Assert.True(await AckedThroughAsync(device, registered.DeviceId, 3));

        var kept = Assert.Single(await QuarantinedAsync(registered.DeviceId));
        Assert.Equal(2ul, kept.Sequence);
        Assert.Equal(Damaged, kept.Payload);
        Assert.False(string.IsNullOrWhiteSpace(kept.Reason));
        Assert.Equal(2, await StoredHeartbeatsAsync(registered.DeviceId));
    }

    [Fact]
    public async Task Bytes_without_a_sequence_number_are_kept_and_never_acknowledged()
    {
        var (registered, device) = await ConnectedDeviceAsync();
        await using var _ = device;
        var up = $"st/v1/{registered.DeviceId}/up";
        var noSequence = new Wire.UplinkEnvelope { Heartbeat = new Wire.Heartbeat { FirmwareVersion = "1.0.0" } }.ToByteArray();

        await device.PublishAsync(up, Garbage);
        await device.PublishAsync(up, noSequence);
        await device.PublishAsync(up, Heartbeat(1));
        Assert.True(await AckedThroughAsync(device, registered.DeviceId, 1));

        var kept = await QuarantinedAsync(registered.DeviceId);
        Assert.Equal(2, kept.Count);
        Assert.All(kept, k => Assert.Equal(0ul, k.Sequence));
        Assert.Equal(Garbage, kept[0].Payload);
        Assert.Equal("no sequence number", kept[1].Reason);
        Assert.DoesNotContain(device.Received, m => m.Topic.EndsWith("/control", StringComparison.Ordinal)
            && Wire.ControlMessage.Parser.ParseFrom(m.Payload.ToArray()) is { BodyCase: Wire.ControlMessage.BodyOneofCase.UplinkAck } c
            && c.UplinkAck.AckedThroughSequence != 1);
        Assert.Equal(1, await StoredHeartbeatsAsync(registered.DeviceId));
    }
}
