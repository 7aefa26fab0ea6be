using Google.Protobuf;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Protobuf;

public sealed class MessageCompatibilityTests
{
    public static TheoryData<string> Uplinks => new() { "usage", "events", "ack", "heartbeat", "empty-usage", "none" };

    private static Wire.UplinkEnvelope Uplink(string name)
    {
        var envelope = new Wire.UplinkEnvelope { Sequence = ulong.MaxValue - 1, CreatedAtUnixMs = -1 };
        switch (name)
        {
            case "usage":
                envelope.Usage = new Wire.UsageBatch
                {
                    Records =
                    {
                        new Wire.UsageRecord { BucketStartUnix = 1_764_000_000, BucketSeconds = 300, Category = Wire.AppCategory.Games, AppId = 0xCAFEBABE, UsedSeconds = 299 },
                        new Wire.UsageRecord { BucketStartUnix = long.MinValue, Category = (Wire.AppCategory)(-3) },
                    },
                };
                break;
            case "events":
                envelope.Events = new Wire.EnforcementEventBatch
                {
                    Events =
                    {
                        new Wire.EnforcementEvent { AtUnix = 1, Kind = Wire.EnforcementEventKind.ClockTamper, Reason = 4, Subject = uint.MaxValue, Detail = long.MinValue },
                        new Wire.EnforcementEvent { Kind = Wire.EnforcementEventKind.CodeRedeemed, Detail = 30 },
                    },
                };
                break;
            case "ack":
                envelope.PolicyAck = new Wire.PolicyAck { AppliedVersion = 9, RefusedVersion = 8, Refusal = Wire.PolicyRefusal.NotNewer };
                break;
            case "heartbeat":
                envelope.Heartbeat = new Wire.Heartbeat
                {
                    FirmwareVersion = "1.4.2-β",
                    PolicyVersion = 12,
                    OutboxBytes = 65_536,
                    OutboxMessages = 3,
                    ClockState = Wire.ClockState.Stale,
                    UptimeSeconds = uint.MaxValue,
                    FreeHeapBytes = 91_000,
                    UsageCompleteThroughUnix = 1_764_460_500,
                };
                break;
            case "empty-usage":
                envelope.Usage = new Wire.UsageBatch();
                break;
        }

        return envelope;
    }

    [Theory]
    [MemberData(nameof(Uplinks))]
    public void Uplink_round_trips_byte_for_byte_in_both_directions(string name)
    {
        var google = Uplink(name);
        var bytes = google.ToByteArray();

        Assert.Equal(ProtoError.None, UplinkEnvelope.TryDecode(bytes, 0, bytes.Length, out var decoded));
        Assert.Equivalent(DeviceMapping.ToDevice(google), decoded, strict: true);

        var writer = new ProtoWriter(16);
        DeviceMapping.ToDevice(google).WriteTo(writer);
        Assert.Equal(bytes, writer.ToArray());
        Assert.Equal(google, Wire.UplinkEnvelope.Parser.ParseFrom(writer.ToArray()));
    }

    [Fact]
    public void A_later_oneof_payload_replaces_an_earlier_one_as_in_Google_Protobuf()
    {
        var bytes = Uplink("usage").ToByteArray().Concat(new Wire.UplinkEnvelope { Heartbeat = new Wire.Heartbeat { PolicyVersion = 4 } }.ToByteArray()).ToArray();

        Assert.Equal(ProtoError.None, UplinkEnvelope.TryDecode(bytes, 0, bytes.Length, out var decoded));

        var google = Wire.UplinkEnvelope.Parser.ParseFrom(bytes);
        Assert.Equal(Wire.UplinkEnvelope.BodyOneofCase.Heartbeat, google.BodyCase);
        Assert.Equal(UplinkBody.Heartbeat, decoded.Body);
        Assert.Null(decoded.Usage);
        Assert.Equal(4ul, decoded.Heartbeat.PolicyVersion);
    }

    public static TheoryData<string> Controls => new() { "ack", "time", "extension", "answer", "declined", "empty-ack", "none" };

    private static Wire.ControlMessage Control(string name) => name switch
    {
        "ack" => new Wire.ControlMessage { UplinkAck = new Wire.UplinkAck { AckedThroughSequence = ulong.MaxValue } },
        "time" => new Wire.ControlMessage { TimeSync = new Wire.TimeSync { ServerUnixMs = -62_135_596_800_000 } },
        "extension" => new Wire.ControlMessage { Extension = new Wire.ExtensionGrant { GrantId = 1, ExtraMinutes = 15, Category = 1, ValidUntilUnix = 1_764_000_000 } },
        "answer" => new Wire.ControlMessage { GuardianAnswer = new Wire.GuardianAnswer { AskedAtUnix = 1_764_000_000, Reason = 10, Subject = uint.MaxValue, Approved = true } },
        "declined" => new Wire.ControlMessage { GuardianAnswer = new Wire.GuardianAnswer { AskedAtUnix = -1, Reason = 3 } },
        "empty-ack" => new Wire.ControlMessage { UplinkAck = new Wire.UplinkAck() },
        _ => new Wire.ControlMessage(),
    };

    [Theory]
    [MemberData(nameof(Controls))]
    public void Control_message_round_trips_byte_for_byte_in_both_directions(string name)
    {
        var google = Control(name);
        var bytes = google.ToByteArray();

        Assert.Equal(ProtoError.None, ControlMessage.TryDecode(bytes, 0, bytes.Length, out var decoded));
        Assert.Equivalent(DeviceMapping.ToDevice(google), decoded, strict: true);

        var writer = new ProtoWriter(16);
        DeviceMapping.ToDevice(google).WriteTo(writer);
        Assert.Equal(bytes, writer.ToArray());
    }

    [Fact]
    public void Device_config_round_trips_byte_for_byte_in_both_directions()
    {
        var google = new Wire.DeviceConfig
        {
            FormatVersion = 1,
            DeviceId = "st-0001",
            FleetId = "fleet-a",
            ModelId = "kidwatch-4",
            MqttHost = "mqtt.example.test",
            MqttPort = 8883,
            MqttTls = true,
            MqttCaPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            MqttPassword = "pässword",
            PolicyKeyId = 2,
            PolicyKey = ByteString.CopyFrom(new byte[32]),
            GuardianCodeSecret = ByteString.CopyFrom(Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray()),
            InitialPolicy = ByteString.CopyFrom(SamplePolicies.Full().ToByteArray()),
            OutboxCapacityBytes = 65_536,
            HeartbeatSeconds = 300,
            SntpServers = { "pool.ntp.org", string.Empty, "time.example.test" },
        };
        var bytes = google.ToByteArray();

        Assert.Equal(ProtoError.None, DeviceConfig.TryDecode(bytes, 0, bytes.Length, out var decoded));
        Assert.Equivalent(DeviceMapping.ToDevice(google), decoded, strict: true);

        var writer = new ProtoWriter(16);
        DeviceMapping.ToDevice(google).WriteTo(writer);
        Assert.Equal(bytes, writer.ToArray());
    }
}
