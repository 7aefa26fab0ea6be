using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.IntegrationTests.Service;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Security;

/// <summary>
/// Tokens with several role claims (an OIDC provider may well issue them): each call is checked
/// against the role it needs, ownership still applies, and the read-only auditor role never unlocks
/// a write or another tenant's secrets.
/// </summary>
public sealed class SeveralRolesTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    private PolicyServiceProcess Service => fixture.Service;

    private static CallOptions Bearer(string token) => new(new Metadata { { "Authorization", "Bearer " + token } });

    [Fact]
    public async Task Auditor_and_manufacturer_roles_together_cannot_touch_another_manufacturers_fleet()
    {
        var victim = await FleetScenario.CreateAsync(Service);
        var device = await victim.RegisterAsync();
        var mallory = await Service.As("auditor,manufacturer", "mallory");
        var client = victim.Manufacturers;

        async Task<StatusCode> Status(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;

        Assert.Equal(StatusCode.NotFound, await Status(async () => await client.RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = device.DeviceId, Reason = "takeover" }, mallory)));
        Assert.Equal(StatusCode.NotFound, await Status(async () => await client.SetBaselineAsync(new SetBaselineRequest { FleetId = victim.Fleet.Id }, mallory)));
        Assert.Equal(StatusCode.NotFound, await Status(async () => await client.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = victim.Fleet.Id, SerialNumber = "SN-mallory" }, mallory)));
        Assert.Equal(StatusCode.NotFound, await Status(async () => await client.CreateModelAsync(new CreateModelRequest { FleetId = victim.Fleet.Id, Name = "evil" }, mallory)));
        Assert.Equal(StatusCode.NotFound, await Status(async () => await client.GetBaselineAsync(new GetBaselineRequest { FleetId = victim.Fleet.Id }, mallory)));
        Assert.Equal(StatusCode.NotFound, await Status(async () => await client.ListLaggingDevicesAsync(new ListLaggingDevicesRequest { FleetId = victim.Fleet.Id }, mallory)));

        // The keys were not rotated: the device's own password still logs in.
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, await MqttTestClient.TryConnectAsync(Service.MqttPort, device.DeviceId, device.DeviceId, device.MqttPassword));
        var baseline = await Assert.ThrowsAsync<RpcException>(async () => await client.GetBaselineAsync(new GetBaselineRequest { FleetId = victim.Fleet.Id }, victim.AsManufacturer));
        Assert.Equal(StatusCode.NotFound, baseline.StatusCode);
    }

    [Fact]
    public async Task The_same_token_reads_compliance_aggregates_of_any_fleet_and_manages_its_own()
    {
        var victim = await FleetScenario.CreateAsync(Service);
        await victim.RegisterAsync();
        var both = await Service.As("auditor,manufacturer", "dual-" + Guid.NewGuid().ToString("N")[..6]);

        var coverage = await victim.Compliance.GetBaselineCoverageAsync(new GetBaselineCoverageRequest { FleetId = victim.Fleet.Id }, both);
        var own = await victim.Manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "own", RegulationProfileId = "cn-minor-mode-2024" }, both);
        var registered = await victim.Manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = own.Id, SerialNumber = "SN-" + Guid.NewGuid().ToString("N") }, both);

        Assert.Equal(1u, coverage.TotalDevices);
        Assert.NotEmpty(registered.DeviceId);
    }

    [Fact]
    public async Task Guardian_with_auditor_role_still_sees_only_paired_children()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        var device = await fleet.RegisterAsync();
        await fleet.PairAsync(device, "mum-" + Guid.NewGuid().ToString("N")[..6]);
        var eve = await Service.As("guardian,auditor", "eve");

        var usage = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, eve));
        var settings = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 200 } }, eve));

        Assert.Equal(StatusCode.NotFound, usage.StatusCode);
        Assert.Equal(StatusCode.NotFound, settings.StatusCode);
    }

    [Fact]
    public async Task Role_claims_in_another_spelling_are_no_role_at_all()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        // "Manufacturer", a trailing space and a Cyrillic "а" look like the role but are not it.
        foreach (var role in new[] { "Manufacturer", "manufacturer ", "m\u0430nufacturer" })
        {
            var token = LocalTokenForge.Sign(Service.DataDirectory, fleet.Manufacturer, [role], TimeSpan.FromHours(1));

            var refused = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), Bearer(token)));

            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }

        var proper = LocalTokenForge.Sign(Service.DataDirectory, fleet.Manufacturer, ["manufacturer"], TimeSpan.FromHours(1));
        Assert.Single((await fleet.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), Bearer(proper))).Fleets);
    }

    [Fact]
    public async Task A_read_only_auditor_token_cannot_call_writes_at_all()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        var auditor = await Service.As("auditor", "regulator");

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Manufacturers.SetBaselineAsync(new SetBaselineRequest { FleetId = fleet.Fleet.Id }, auditor));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }
}
