using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>The hash-chained audit log, and what survives a restart of the service.</summary>
public sealed class AuditAndRestartTests : IAsyncLifetime
{
    private PolicyServiceProcess _service = null!;

    public async Task InitializeAsync() => _service = await PolicyServiceProcess.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private Task<List<AuditEntry>> AuditAsync(string subject = "") => AuditTrail.ReadAsync(_service, subject, limit: 1000);

    [Fact]
    public async Task Changes_are_audited_with_actor_before_and_after_and_the_chain_verifies()
    {
        var fleet = await FleetScenario.CreateAsync(_service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "mum");
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 } }, guardian);
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 45 } }, guardian);

        var entries = await AuditAsync(device.DeviceId);

        // The auditor's own read of the device's records is itself the last entry.
        Assert.Equal(["device.register", "pairing.add", "guardian-settings.set", "guardian-settings.set", "audit-log.read"], entries.Select(e => e.Action));
        Assert.Equal("guardian:mum", entries[3].Actor);
        Assert.Contains("\"dailyMinutes\": 30", entries[3].BeforeJson, StringComparison.Ordinal);
        Assert.Contains("\"dailyMinutes\": 45", entries[3].AfterJson, StringComparison.Ordinal);
        Assert.DoesNotContain(entries, e => e.AfterJson.Contains(device.MqttPassword, StringComparison.Ordinal));
        var verified = await new ComplianceService.ComplianceServiceClient(_service.Channel).VerifyAuditChainAsync(new VerifyAuditChainRequest(), await _service.As("auditor", "regulator"));
        Assert.True(verified.Intact);
    }

    [Fact]
    public async Task Editing_an_audit_row_in_the_database_is_detected()
    {
        var fleet = await FleetScenario.CreateAsync(_service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "dad");
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 } }, guardian);
        var target = (await AuditAsync(device.DeviceId)).Single(e => e.Action == "guardian-settings.set");

        Assert.Equal(1, await ServiceState.ExecuteAsync(_service, "UPDATE audit_log SET actor = 'guardian:someone-else' WHERE sequence = @sequence", new { sequence = (long)target.Sequence }));

        var verified = await new ComplianceService.ComplianceServiceClient(_service.Channel).VerifyAuditChainAsync(new VerifyAuditChainRequest(), await _service.As("auditor", "regulator"));

        Assert.False(verified.Intact);
        Assert.Equal(target.Sequence, verified.FirstBrokenSequence);
    }

    [Fact]
    public async Task After_a_restart_a_reconnecting_device_still_receives_its_current_policy_and_tokens_still_work()
    {
        var fleet = await FleetScenario.CreateAsync(_service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "mum-restart");
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 33 } }, guardian);

        await _service.RestartAsync();

        await using var client = await fleet.ConnectAsDeviceAsync(device);
        await client.SubscribeAsync($"st/v1/{device.DeviceId}/policy");
        var message = await client.WaitForAsync($"st/v1/{device.DeviceId}/policy", TimeSpan.FromSeconds(10));
        Assert.NotNull(message);
        var policy = FleetScenario.VerifyOnDevice(device, System.Buffers.BuffersExtensions.ToArray(message.Payload));
        Assert.Equal(33u, policy.DailyBudgetMinutes[0]);
        var settings = await new GuardianService.GuardianServiceClient(_service.Channel).GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = device.DeviceId }, guardian);
        Assert.Equal(33u, settings.Settings.DailyMinutes);
    }

    [Fact]
    public async Task Rotating_keys_issues_a_new_key_id_and_the_old_password_stops_working()
    {
        var fleet = await FleetScenario.CreateAsync(_service);
        var serial = "SN-" + Guid.NewGuid().ToString("N");
        var device = await fleet.RegisterAsync(serial);

        var rotated = await fleet.Manufacturers.RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = device.DeviceId, Reason = "unit returned for repair" }, fleet.AsManufacturer);

        Assert.Equal(2u, rotated.PolicyKeyId);
        Assert.NotEqual(device.PolicyKey, rotated.PolicyKey);
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.BadUserNameOrPassword, await MqttTestClient.TryConnectAsync(_service.MqttPort, device.DeviceId, device.DeviceId, device.MqttPassword));
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, await MqttTestClient.TryConnectAsync(_service.MqttPort, device.DeviceId, device.DeviceId, rotated.MqttPassword));
        FleetScenario.VerifyOnDevice(rotated, rotated.InitialPolicy.ToByteArray(), currentVersion: 1);
        var registerAgain = await Assert.ThrowsAsync<RpcException>(() => fleet.RegisterAsync(serial));
        Assert.Equal(StatusCode.AlreadyExists, registerAgain.StatusCode);
    }
}
