using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.IntegrationTests.Service;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Security;

/// <summary>
/// A device (or someone holding its credentials) abusing its own MQTT session against the embedded
/// broker: oversized messages, an unbounded retained status, a session that outlives its password,
/// password guessing, and a listener nobody asked for.
/// </summary>
public sealed class DeviceCredentialAbuseTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    // UplinkLimits.MaxUplinkBytes: one outbox record of the device core (8 KB segment less its header).
    private const int MaxUplinkBytes = 8192 - 16;

    private PolicyServiceProcess Service => fixture.Service;

    private async Task<(FleetScenario Fleet, RegisterDeviceResponse Device)> DeviceAsync()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        return (fleet, await fleet.RegisterAsync());
    }

    // Accepted by the broker, whether or not anyone subscribes (MQTT 5 reports that as a success code).
    private static bool Accepted(MqttClientPublishReasonCode code) => code is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;

    private static async Task<bool> PublishEndsTheSessionAsync(MqttTestClient client, string topic, int bytes, bool retain)
    {
        try
        {
            await client.PublishAsync(topic, new byte[bytes], retain);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or MQTTnet.Exceptions.MqttClientNotConnectedException)
        {
            // The broker closed the connection while the packet was on its way.
        }

        return await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(!client.Client.IsConnected));
    }

    [Fact]
    public async Task A_ten_megabyte_uplink_closes_the_devices_session_at_its_header_and_the_broker_serves_on()
    {
        var (fleet, device) = await DeviceAsync();
        var (_, bystander) = await DeviceAsync();
        await using var attacker = await fleet.ConnectAsDeviceAsync(device);

        Assert.True(await PublishEndsTheSessionAsync(attacker, $"st/v1/{device.DeviceId}/up", 10 * 1024 * 1024, retain: false));

        await using var other = await fleet.ConnectAsDeviceAsync(bystander);
        Assert.True(other.Client.IsConnected);
    }

    [Fact]
    public async Task An_uplink_larger_than_any_the_device_core_builds_is_refused_and_the_largest_valid_one_passes()
    {
        var (fleet, device) = await DeviceAsync();
        await using var client = await fleet.ConnectAsDeviceAsync(device);

        Assert.True(Accepted(await client.PublishAsync($"st/v1/{device.DeviceId}/up", new byte[MaxUplinkBytes])));
        Assert.True(await PublishEndsTheSessionAsync(client, $"st/v1/{device.DeviceId}/up", MaxUplinkBytes + 100, retain: false));
    }

    [Fact]
    public async Task A_retained_status_that_is_not_a_small_device_status_is_not_kept()
    {
        var (fleet, device) = await DeviceAsync();
        await using var client = await fleet.ConnectAsDeviceAsync(device);
        var status = $"st/v1/{device.DeviceId}/status";
        var valid = new DeviceStatus { Online = true, FirmwareVersion = "1.0.0", PolicyVersion = 3 }.ToByteArray();

        Assert.True(Accepted(await client.PublishAsync(status, valid, retain: true)));
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, await client.PublishAsync(status, new byte[300], retain: true));
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, await client.PublishAsync(status, [0xFF, 0xFF, 0xFF], retain: true));
        Assert.True(await PublishEndsTheSessionAsync(client, status, 50 * 1024 * 1024, retain: true));

        await using var observer = await MqttTestClient.ConnectAsync(Service.MqttPort, "observer-" + Guid.NewGuid().ToString("N")[..6], Service.ServiceUserName, Service.ServicePassword);
        await observer.SubscribeAsync(status);
        var retained = await observer.WaitForAsync(status, TimeSpan.FromSeconds(5));
        Assert.NotNull(retained);
        Assert.Equal(valid, System.Buffers.BuffersExtensions.ToArray(retained!.Payload));
    }

    [Fact]
    public async Task Rotating_keys_ends_the_session_that_logged_in_with_the_old_password()
    {
        var (fleet, device) = await DeviceAsync();
        await using var old = await fleet.ConnectAsDeviceAsync(device);

        var rotated = await fleet.Manufacturers.RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = device.DeviceId, Reason = "stolen watch" }, fleet.AsManufacturer);

        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(!old.Client.IsConnected)));
        await Assert.ThrowsAnyAsync<Exception>(async () => await old.PublishAsync($"st/v1/{device.DeviceId}/up", [8, 1]));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await MqttTestClient.TryConnectAsync(Service.MqttPort, device.DeviceId, device.DeviceId, device.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.Success, await MqttTestClient.TryConnectAsync(Service.MqttPort, device.DeviceId, device.DeviceId, rotated.MqttPassword));
    }

    [Fact]
    public async Task Known_and_unknown_device_ids_get_the_same_answer_and_guessing_one_id_is_throttled_without_locking_others_out()
    {
        var (_, device) = await DeviceAsync();
        var (_, neighbour) = await DeviceAsync();

        var unknown = await MqttTestClient.TryConnectAsync(Service.MqttPort, "st-0000000000000000", "st-0000000000000000", "guess");
        var answers = new List<MqttClientConnectResultCode>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await MqttTestClient.TryConnectAsync(Service.MqttPort, device.DeviceId, device.DeviceId, "guess-" + i));
        }

        var rightPasswordAfterwards = await MqttTestClient.TryConnectAsync(Service.MqttPort, device.DeviceId, device.DeviceId, device.MqttPassword);
        var neighbourMeanwhile = await MqttTestClient.TryConnectAsync(Service.MqttPort, neighbour.DeviceId, neighbour.DeviceId, neighbour.MqttPassword);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, unknown);
        Assert.All(answers.Take(5), a => Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, a));
        Assert.Equal(MqttClientConnectResultCode.ConnectionRateExceeded, answers[5]);
        // From this address the id stays refused for the rest of the minute, checked or not.
        Assert.Equal(MqttClientConnectResultCode.ConnectionRateExceeded, rightPasswordAfterwards);
        Assert.Equal(MqttClientConnectResultCode.Success, neighbourMeanwhile);
    }

    [Fact]
    public async Task The_broker_listens_on_the_configured_IPv4_address_only()
    {
        // The machine does serve IPv6 on loopback: a listener of our own on ::1 accepts.
        using (var probe = new TcpListener(IPAddress.IPv6Loopback, 0))
        {
            probe.Start();
            using var ok = new TcpClient(AddressFamily.InterNetworkV6);
            await ok.ConnectAsync(IPAddress.IPv6Loopback, ((IPEndPoint)probe.LocalEndpoint).Port);
        }

        using var v6 = new TcpClient(AddressFamily.InterNetworkV6);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await v6.ConnectAsync(IPAddress.IPv6Loopback, Service.MqttPort));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        using var v4 = new TcpClient(AddressFamily.InterNetwork);
        await v4.ConnectAsync(IPAddress.Loopback, Service.MqttPort);
        Assert.True(v4.Connected);
    }
}
