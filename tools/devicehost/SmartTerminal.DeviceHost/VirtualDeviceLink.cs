using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;
using SmartTerminal.Device.Core.Runtime;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// The virtual device's MQTT link: the real transport, watched (what was sent and acknowledged goes
/// to the <see cref="UplinkTally"/>) and placed in the device's virtual time: the service's time sync
/// is moved by the device's offset from real time, so a device started at 16:00 or running 60 times
/// faster stays on its own timeline instead of jumping back to the service's clock.
/// </summary>
public sealed class VirtualDeviceLink : IMqttTransport, IDisposable
{
    private readonly MqttNetTransport _transport;
    private readonly HostClock _clock;

    public VirtualDeviceLink(MqttNetTransport transport, HostClock clock, UplinkTally tally)
    {
        _transport = transport;
        _clock = clock;
        Tally = tally;
        _transport.MessageReceived += OnReceived;
    }

    public event MqttMessageHandler? MessageReceived;

    public UplinkTally Tally { get; }

    public bool IsConnected => _transport.IsConnected;

    public bool Connect(string clientId, string userName, string password, string willTopic, byte[] willPayload) =>
        _transport.Connect(clientId, userName, password, willTopic, willPayload);

    public bool Subscribe(string[] topics) => _transport.Subscribe(topics);

    public bool Publish(string topic, byte[] payload, int offset, int count, bool retain)
    {
        // Counted before it goes: the service may acknowledge it before the publish call returns.
        if (topic.EndsWith("/up", StringComparison.Ordinal))
        {
            Tally.Sent(payload, offset, count);
        }

        return _transport.Publish(topic, payload, offset, count, retain);
    }

    public void Disconnect() => _transport.Disconnect();

    public void Dispose() => _transport.Dispose();

    private void OnReceived(string topic, byte[] payload)
    {
        if (topic.EndsWith("/control", StringComparison.Ordinal) && ControlMessage.TryDecode(payload, 0, payload.Length, out var control) == ProtoError.None)
        {
            var offsetMs = _clock.WallClockUnixMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            switch (control.Body)
            {
                case ControlBody.UplinkAck:
                    Tally.Acknowledged(control.AckedThroughSequence);
                    break;
                case ControlBody.TimeSync:
                    control.ServerUnixMs += offsetMs;
                    payload = Encode(control);
                    break;
                case ControlBody.Extension:
                    // An online grant is valid until a moment of the service's clock: the same moment here.
                    control.ValidUntilUnix += offsetMs / 1000;
                    payload = Encode(control);
                    break;
            }
        }

        MessageReceived?.Invoke(topic, payload);
    }

    private static byte[] Encode(ControlMessage message)
    {
        var writer = new ProtoWriter(64);
        message.WriteTo(writer);
        return writer.ToArray();
    }
}
