using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>
/// The fleet's firmware versions as its devices name them in heartbeats over MQTT: counted per version,
/// most first; a device that names nothing usable (never seen, or text that is not a version) counted as
/// unknown; another manufacturer's fleet not found.
/// </summary>
public sealed class FirmwareVersionTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    [Fact]
    public async Task Devices_are_counted_by_the_firmware_they_last_reported_and_text_that_is_no_version_counts_as_unknown()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service, profile: "none");
        var reported = new[] { "1.2.0", "1.2.0", "2.0.0-rc1", "<b>1.0</b>", "1.1.9" };
        var devices = new List<RegisterDeviceResponse>();
        foreach (var firmware in reported)
        {
            var device = await fleet.RegisterAsync();
            devices.Add(device);
            await using var client = await fleet.ConnectAsDeviceAsync(device);
            await client.PublishAsync($"st/v1/{device.DeviceId}/up", RawUplinks.Heartbeat(1, firmware: firmware));
        }

        // The last one upgrades.
        await using (var client = await fleet.ConnectAsDeviceAsync(devices[^1]))
        {
            await client.PublishAsync($"st/v1/{devices[^1].DeviceId}/up", RawUplinks.Heartbeat(2, firmware: "1.2.0"));
        }

        await fleet.RegisterAsync(); // never switched on
        var listed = await Eventually.ResultWithin(TimeSpan.FromSeconds(20), async () =>
        {
            var response = await fleet.Manufacturers.ListFirmwareVersionsAsync(new ListFirmwareVersionsRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer);
            return response.Versions.Any(v => v.Version == "1.2.0" && v.Devices == 3) ? response : null;
        });

        Assert.NotNull(listed);
        Assert.Equal([("1.2.0", 3u), ("2.0.0-rc1", 1u)], listed!.Versions.Select(v => (v.Version, v.Devices)));
        Assert.Equal((2u, 0u), (listed.UnknownDevices, listed.OtherDevices));

        var stranger = await FleetScenario.CreateAsync(fixture.Service);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await stranger.Manufacturers.ListFirmwareVersionsAsync(new ListFirmwareVersionsRequest { FleetId = fleet.Fleet.Id }, stranger.AsManufacturer));
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
    }
}
