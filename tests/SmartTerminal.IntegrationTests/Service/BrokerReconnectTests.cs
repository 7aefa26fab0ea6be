using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>
/// A device that reconnects while its previous connection is still ending (a watch waking on another
/// network, a tool that uploads and hands over to the device) keeps what it subscribed to on the new
/// connection: the ending one must not take the new session with it.
/// </summary>
public sealed class BrokerReconnectTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    private const int Devices = 16;
    private const int Handovers = 15;

    [Fact]
    public async Task A_connection_that_ends_while_its_successor_connects_leaves_the_successor_subscribed()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var devices = new List<Contracts.Api.V1.RegisterDeviceResponse>();
        for (var k = 0; k < Devices; k++)
        {
            devices.Add(await fleet.RegisterAsync());
        }

        await using var service = await MqttTestClient.ConnectAsync(fixture.Service.MqttPort, "handover-sender", fixture.Service.ServiceUserName, fixture.Service.ServicePassword);

        // Several devices at once, so that the broker's teardown of a connection competes for the CPU.
        var lost = await Task.WhenAll(devices.Select(d => HandOverAsync(fleet, service, d)));

        Assert.All(lost, Assert.Empty);
    }

    private static async Task<List<string>> HandOverAsync(FleetScenario fleet, MqttTestClient service, Contracts.Api.V1.RegisterDeviceResponse device)
    {
        var control = $"st/v1/{device.DeviceId}/control";

        var previous = await fleet.ConnectAsDeviceAsync(device);
        await previous.SubscribeAsync(control);
        var lost = new List<string>();
        for (var round = 0; round < Handovers; round++)
        {
            // The old connection says goodbye while the new one is already on its way.
            var ending = previous.DisposeAsync().AsTask();
            var next = await fleet.ConnectAsDeviceAsync(device);
            await next.SubscribeAsync(control);
            await ending;

            await service.PublishAsync(control, [(byte)round]);
            if (!await Eventually.TrueWithin(TimeSpan.FromSeconds(5), () => Task.FromResult(next.Received.Any(m => m.Payload.Length == 1 && m.Payload.FirstSpan[0] == round))))
            {
                lost.Add($"{device.DeviceId} round {round}: {(next.Client.IsConnected ? "connected, the message was lost" : "the new connection was ended")}");
            }

            previous = next;
        }

        await previous.DisposeAsync();
        return lost;
    }

    [Fact]
    public async Task A_connection_left_open_is_ended_by_the_next_one_which_gets_its_messages()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var control = $"st/v1/{device.DeviceId}/control";
        await using var service = await MqttTestClient.ConnectAsync(fixture.Service.MqttPort, "handover-sender-2", fixture.Service.ServiceUserName, fixture.Service.ServicePassword);
        await using var abandoned = await fleet.ConnectAsDeviceAsync(device);
        await abandoned.SubscribeAsync(control);

        // The watch lost its network without a goodbye and comes back on another one.
        await using var back = await fleet.ConnectAsDeviceAsync(device);
        await back.SubscribeAsync(control);
        await service.PublishAsync(control, [42]);

        Assert.NotNull(await back.WaitForAsync(control, TimeSpan.FromSeconds(10)));
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(!abandoned.Client.IsConnected)));
        Assert.True(back.Client.IsConnected);
        Assert.DoesNotContain(abandoned.Received, m => m.Topic == control);
    }
}
