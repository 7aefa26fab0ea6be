using System.Buffers;
using System.Collections.Concurrent;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>
/// The receiving side of the telemetry flow as the service will run it: takes every uplink, keeps the
/// first copy of each sequence number (a resent copy must be byte-identical), and acknowledges the
/// highest contiguous sequence on the device's control topic. Counts what arrived for the assertions.
/// </summary>
internal sealed class UplinkAcknowledger : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private MqttClientOptions? _options;
    private readonly ConcurrentDictionary<(string Device, ulong Sequence), byte[]> _received = new();
    private readonly ConcurrentDictionary<string, ulong> _contiguous = new();
    private readonly ConcurrentQueue<string> _problems = new();

    private UplinkAcknowledger(IMqttClient client)
    {
        _client = client;
    }

    public IReadOnlyCollection<string> Problems => _problems;

    public int Duplicates { get; private set; }

    public static async Task<UplinkAcknowledger> ConnectAsync(int port, string user, string password)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var acknowledger = new UplinkAcknowledger(client)
        {
            _options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("acker-" + Guid.NewGuid().ToString("N")[..6]).WithCredentials(user, password).Build(),
        };
        client.ApplicationMessageReceivedAsync += acknowledger.OnUplinkAsync;
        await acknowledger.ReconnectAsync();
        return acknowledger;
    }

    /// <summary>Connects again after a broker restart, keeping what was received (as the service keeps its watermarks).</summary>
    public async Task ReconnectAsync()
    {
        await _client.ConnectAsync(_options!);
        await _client.SubscribeAsync("st/v1/+/up", MqttQualityOfServiceLevel.AtLeastOnce);
    }

    public ulong ContiguousThrough(string deviceId) => _contiguous.GetValueOrDefault(deviceId);

    /// <summary>The first copy of every uplink of a device, in sequence order.</summary>
    public IReadOnlyList<Wire.UplinkEnvelope> Uplinks(string deviceId) =>
        [.. _received.Where(p => p.Key.Device == deviceId).OrderBy(p => p.Key.Sequence).Select(p => Wire.UplinkEnvelope.Parser.ParseFrom(p.Value))];

    public long Bytes(string deviceId) => _received.Where(p => p.Key.Device == deviceId).Sum(p => (long)p.Value.Length);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }

    private async Task OnUplinkAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var deviceId = e.ApplicationMessage.Topic.Split('/')[2];
        var payload = e.ApplicationMessage.Payload.ToArray();
        Wire.UplinkEnvelope uplink;
        try
        {
            uplink = Wire.UplinkEnvelope.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            _problems.Enqueue($"{deviceId}: malformed uplink: {ex.Message}");
            return;
        }

        var key = (deviceId, uplink.Sequence);
        if (!_received.TryAdd(key, payload))
        {
            Duplicates++;
            if (!_received[key].AsSpan().SequenceEqual(payload))
            {
                _problems.Enqueue($"{deviceId}: sequence {uplink.Sequence} reused for different content");
            }
        }

        var through = _contiguous.GetValueOrDefault(deviceId);
        while (_received.ContainsKey((deviceId, through + 1)))
        {
            through++;
        }

        _contiguous[deviceId] = through;
        var ack = new Wire.ControlMessage { UplinkAck = new Wire.UplinkAck { AckedThroughSequence = through } };
        if (_client.IsConnected)
        {
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"st/v1/{deviceId}/control").WithPayload(ack.ToByteArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
    }
}
