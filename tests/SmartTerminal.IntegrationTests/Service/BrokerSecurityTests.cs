using MQTTnet;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>The topic-access attacks of design brief section 1, against the embedded broker.</summary>
public sealed class BrokerSecurityTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    [Fact]
    public async Task A_device_cannot_read_another_devices_policy_or_subscribe_to_wildcards()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var alice = await fleet.RegisterAsync();
        var bob = await fleet.RegisterAsync();
        await using var client = await fleet.ConnectAsDeviceAsync(alice);

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await client.SubscribeAsync($"st/v1/{bob.DeviceId}/policy"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await client.SubscribeAsync("st/v1/+/policy"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await client.SubscribeAsync("#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await client.SubscribeAsync($"st/v1/{alice.DeviceId}/up"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await client.SubscribeAsync($"st/v1/{alice.DeviceId}/policy"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await client.SubscribeAsync($"st/v1/{alice.DeviceId}/control"));
        Assert.NotNull(await client.WaitForAsync($"st/v1/{alice.DeviceId}/policy", TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(client.Received, m => m.Topic.Contains(bob.DeviceId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_device_cannot_publish_as_another_device_nor_forge_policies()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var alice = await fleet.RegisterAsync();
        var bob = await fleet.RegisterAsync();
        await using var client = await fleet.ConnectAsDeviceAsync(alice);
        await using var service = await MqttTestClient.ConnectAsync(fixture.Service.MqttPort, "observer", fixture.Service.ServiceUserName, fixture.Service.ServicePassword);
        await service.SubscribeAsync("st/v1/#");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await client.PublishAsync($"st/v1/{bob.DeviceId}/up", [1]));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await client.PublishAsync($"st/v1/{alice.DeviceId}/policy", [2], retain: true));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await client.PublishAsync($"st/v1/{bob.DeviceId}/control", [3]));
        var status = new SmartTerminal.Contracts.Device.V1.DeviceStatus { Online = true, FirmwareVersion = "1.0.0", PolicyVersion = 4 };
        Assert.Equal(MqttClientPublishReasonCode.Success, await client.PublishAsync($"st/v1/{alice.DeviceId}/status", Google.Protobuf.MessageExtensions.ToByteArray(status), retain: true));

        Assert.NotNull(await service.WaitForAsync($"st/v1/{alice.DeviceId}/status", TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(service.Received, m => m.Payload.Length == 1 && m.Payload.FirstSpan[0] is 1 or 2 or 3);
    }

    [Fact]
    public async Task Wrong_passwords_and_borrowed_client_ids_are_refused()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var alice = await fleet.RegisterAsync();
        var bob = await fleet.RegisterAsync();

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await MqttTestClient.TryConnectAsync(fixture.Service.MqttPort, alice.DeviceId, alice.DeviceId, bob.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await MqttTestClient.TryConnectAsync(fixture.Service.MqttPort, bob.DeviceId, alice.DeviceId, alice.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, await MqttTestClient.TryConnectAsync(fixture.Service.MqttPort, "$policy-service", fixture.Service.ServiceUserName, fixture.Service.ServicePassword));
        Assert.Equal(MqttClientConnectResultCode.Success, await MqttTestClient.TryConnectAsync(fixture.Service.MqttPort, alice.DeviceId, alice.DeviceId, alice.MqttPassword));
    }

    [Fact]
    public async Task Mosquitto_sub_as_a_device_receives_its_retained_policy()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();

        await using var sub = ChildProcess.Start("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", fixture.Service.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", "mqttv5",
             "-i", device.DeviceId, "-u", device.DeviceId, "-P", device.MqttPassword, "-t", $"st/v1/{device.DeviceId}/policy", "-C", "1", "-W", "10", "-F", "%x"],
            AppContext.BaseDirectory);
        var exit = await sub.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, exit);
        Assert.Equal(Convert.ToHexStringLower(device.InitialPolicy.ToByteArray()), sub.Output.Trim());
    }
}
