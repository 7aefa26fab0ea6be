using System.Buffers;
using Google.Protobuf;
using MQTTnet;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Mqtt;

/// <summary>
/// The device wire messages through Mosquitto, the independent broker of the scale-out setup,
/// with the per-device ACL of design brief section 1 expressed in Mosquitto's own syntax.
/// </summary>
public sealed class MosquittoWireInteropTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(
        new Dictionary<string, string> { ["policy-service"] = "service-secret", ["st-0001"] = "device-secret", ["st-0002"] = "other-secret" },
        DeviceProvisioning.Acl);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Device_encoded_uplink_crosses_Mosquitto_and_decodes_in_Google_Protobuf()
    {
        await using var service = await MqttTestClient.ConnectAsync(_broker.Port, "service", "policy-service", "service-secret");
        await using var device = await MqttTestClient.ConnectAsync(_broker.Port, "st-0001", "st-0001", "device-secret");
        await service.SubscribeAsync("st/v1/+/up");
        var uplink = new UplinkEnvelope
        {
            Sequence = 42,
            CreatedAtUnixMs = 1_764_000_000_000,
            Body = UplinkBody.Usage,
            Usage = [new UsageRecord { BucketStartUnix = 1_764_000_000, BucketSeconds = 300, Category = 1, AppId = 0xCAFE, UsedSeconds = 240 }],
        };
        var writer = new ProtoWriter(64);
        uplink.WriteTo(writer);

        await device.PublishAsync("st/v1/st-0001/up", writer.ToArray());

        var received = await service.WaitForAsync("st/v1/st-0001/up", TimeSpan.FromSeconds(10));
        Assert.NotNull(received);
        var parsed = Wire.UplinkEnvelope.Parser.ParseFrom(received.Payload.ToArray());
        Assert.Equal(42ul, parsed.Sequence);
        Assert.Equal(240u, parsed.Usage.Records.Single().UsedSeconds);
        Assert.Equal(Wire.AppCategory.Games, parsed.Usage.Records.Single().Category);
    }

    [Fact]
    public async Task Retained_policy_reaches_a_device_that_connects_later_and_the_device_decodes_it()
    {
        var policy = new Wire.DevicePolicy { Version = 7, DailyBudgetMinutes = { 40, 40, 40, 40, 40, 60, 60 } };
        var envelope = new Wire.SignedPolicyEnvelope { DeviceId = "st-0001", Version = 7, KeyId = 1, Policy = policy.ToByteString(), Mac = ByteString.CopyFrom(new byte[32]) };
        await using (var service = await MqttTestClient.ConnectAsync(_broker.Port, "service", "policy-service", "service-secret"))
        {
            await service.PublishAsync("st/v1/st-0001/policy", envelope.ToByteArray(), retain: true);
        }

        await using var device = await MqttTestClient.ConnectAsync(_broker.Port, "st-0001", "st-0001", "device-secret");
        await device.SubscribeAsync("st/v1/st-0001/policy");

        var received = await device.WaitForAsync("st/v1/st-0001/policy", TimeSpan.FromSeconds(10));
        Assert.NotNull(received);
        var bytes = received.Payload.ToArray();
        Assert.Equal(ProtoError.None, SignedPolicyEnvelope.TryDecode(bytes, 0, bytes.Length, out var decoded));
        Assert.Equal(ProtoError.None, DevicePolicyCodec.TryDecode(bytes, decoded.PolicyOffset, decoded.PolicyLength, out var decodedPolicy));
        Assert.Equal(7ul, decodedPolicy.Version);
        Assert.Equal([40u, 40, 40, 40, 40, 60, 60], decodedPolicy.DailyBudgetMinutes);
    }

    [Fact]
    public async Task A_device_cannot_read_another_devices_policy_through_Mosquitto()
    {
        await using (var service = await MqttTestClient.ConnectAsync(_broker.Port, "service", "policy-service", "service-secret"))
        {
            await service.PublishAsync("st/v1/st-0001/policy", [1, 2, 3], retain: true);
            await service.PublishAsync("st/v1/st-0002/policy", [4, 5, 6], retain: true);
        }

        await using var other = await MqttTestClient.ConnectAsync(_broker.Port, "st-0002", "st-0002", "other-secret");
        await other.SubscribeAsync("st/v1/st-0001/policy");
        await other.SubscribeAsync("st/v1/st-0002/policy");

        // Its own retained policy arrives; by then the foreign one would have arrived too.
        Assert.NotNull(await other.WaitForAsync("st/v1/st-0002/policy", TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(other.Received, m => m.Topic == "st/v1/st-0001/policy");
    }
}
