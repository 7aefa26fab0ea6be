using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Runtime;
using SmartTerminal.Device.Core.Tests.Enforcement;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Runtime;

public sealed class SessionStatusTests
{
    [Fact]
    public void The_offline_will_is_ASCII_protobuf_so_M2Mqtt_can_carry_it_as_a_string_and_the_online_status_names_the_policy()
    {
        // Version 300 encodes as a varint with a byte above 0x7F: it must not be in the will.
        var transport = new RecordingTransport();
        var clock = new FakeDeviceClock { WallClockUnixMs = ChildDevice.LocalToUnixMs("2026-12-01 16:00"), MonotonicMs = 1 };
        var config = new DeviceConfig
        {
            DeviceId = ChildDevice.DeviceId,
            MqttPassword = "secret",
            PolicyKeyId = ChildDevice.KeyId,
            PolicyKey = ChildDevice.PolicyKey,
            GuardianCodeSecret = ChildDevice.GuardianSecret,
            InitialPolicy = ChildDevice.Sign(TestPolicies.ForAge(10, version: 300)),
            HeartbeatSeconds = 60,
        };
        var runtime = new DeviceRuntime(config, clock, new MemoryStorage(), new DotNetHmac(), transport, "fw-1.2.3");

        runtime.Step();

        Assert.NotNull(transport.Will);
        Assert.All(transport.Will!, b => Assert.True(b < 0x80, $"byte 0x{b:X2} is not ASCII"));
        var will = Wire.DeviceStatus.Parser.ParseFrom(transport.Will);
        Assert.False(will.Online);
        Assert.Equal("fw-1.2.3", will.FirmwareVersion);
        var online = Wire.DeviceStatus.Parser.ParseFrom(transport.Published.First(p => p.Topic == $"st/v1/{ChildDevice.DeviceId}/status").Payload);
        Assert.True(online.Online);
        Assert.Equal(300ul, online.PolicyVersion);
    }

    private sealed class RecordingTransport : IMqttTransport
    {
        public byte[]? Will { get; private set; }

        public List<(string Topic, byte[] Payload)> Published { get; } = [];

        public bool IsConnected { get; private set; }

        public event MqttMessageHandler? MessageReceived
        {
            add { }
            remove { }
        }

        public bool Connect(string clientId, string userName, string password, string willTopic, byte[] willPayload)
        {
            Will = willPayload;
            IsConnected = true;
            return true;
        }

        public bool Subscribe(string[] topics) => true;

        public bool Publish(string topic, byte[] payload, int offset, int count, bool retain)
        {
            Published.Add((topic, payload.AsSpan(offset, count).ToArray()));
            return true;
        }

        public void Disconnect() => IsConnected = false;
    }
}
