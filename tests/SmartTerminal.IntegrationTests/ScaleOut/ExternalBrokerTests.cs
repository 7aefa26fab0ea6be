using Grpc.Core;
using System.Buffers;
using MQTTnet;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// The service on an external broker (Broker:Mode=External), all real: Mosquitto 2.0.11 with its
/// dynamic-security plugin, the service connected to it as an MQTT 5 client on a shared subscription,
/// InfluxDB, and the device core in the device host connecting to Mosquitto with the credentials
/// registration returned.
/// </summary>
public sealed class ExternalBrokerTests : IAsyncLifetime
{
    private DynamicSecurityBroker _broker = null!;
    private TelemetryStack _stack = null!;

    public async Task InitializeAsync()
    {
        _broker = await DynamicSecurityBroker.StartAsync();
        try
        {
            _stack = await TelemetryStack.StartAsync(minimumGroupSize: 2, _broker.ServiceSettings());
        }
        catch
        {
            await _broker.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private Task<MqttTestClient> ConnectAsync(RegisterDeviceResponse device, string? password = null) =>
        MqttTestClient.ConnectAsync(_broker.Port, device.DeviceId, device.DeviceId, password ?? device.MqttPassword);

    [Fact]
    public async Task A_registered_device_gets_its_policy_from_the_external_broker_and_its_usage_is_stored_and_acknowledged()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        Assert.Contains(registered.DeviceId, await _broker.ClientNamesAsync());

        using var device = _stack.Device(registered, _broker.Port);
        Assert.True(await TelemetryStack.ConnectedAsync(device, withDailyBudget: false), "the device never connected to Mosquitto");
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), () =>
        {
            device.Idle(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            return Task.FromResult(device.Runtime.Engine.Policy.Version > 0);
        }), "the retained policy never reached the device through Mosquitto");

        var used = device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
        Assert.True(used > 0);
        device.Idle(TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(30));
        Assert.True(await TelemetryStack.DrainAsync(device), $"{device.Runtime.Queue.Outbox.PendingMessages} message(s) never acknowledged through the external broker");
        var stored = await _stack.Influx.QueryAsync($"SELECT sum(used_seconds) FROM usage WHERE device = '{registered.DeviceId}'", TelemetryStack.Database);
        Assert.Equal(used, stored.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0][1].GetInt64());
    }

    [Fact]
    public async Task Access_is_denied_by_default_and_a_device_reaches_only_its_own_topics()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var victim = await fleet.RegisterAsync();
        var attacker = await fleet.RegisterAsync();
        var defaults = _broker.SavedState.GetProperty("defaultACLAccess");
        Assert.False(defaults.GetProperty("publishClientSend").GetBoolean());
        Assert.False(defaults.GetProperty("publishClientReceive").GetBoolean());
        Assert.False(defaults.GetProperty("subscribe").GetBoolean());

        await using var client = await ConnectAsync(attacker);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await client.SubscribeAsync(Topics(victim.DeviceId, "policy")));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await client.SubscribeAsync("st/v1/+/policy"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await client.SubscribeAsync("$share/policy-service/st/v1/+/up"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await client.PublishAsync(Topics(victim.DeviceId, "up"), [1, 2, 3]));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await client.PublishAsync(Topics(victim.DeviceId, "policy"), [1], retain: true));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await client.SubscribeAsync(Topics(attacker.DeviceId, "policy")));
        Assert.NotNull(await client.WaitForAsync(Topics(attacker.DeviceId, "policy"), TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(client.Received, m => m.Topic.Contains(victim.DeviceId, StringComparison.Ordinal));

        // Client ids are bound to their device: a device's login cannot take over another session (the service's, another device's).
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await MqttTestClient.TryConnectAsync(_broker.Port, victim.DeviceId, attacker.DeviceId, attacker.MqttPassword));
    }

    [Fact]
    public async Task Rotating_keys_ends_the_session_and_the_old_password_no_longer_logs_in_and_decommissioning_removes_the_login()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var client = await ConnectAsync(registered);
        Assert.True(client.Client.IsConnected);

        var rotated = await WithServiceLogAsync(() => fleet.Manufacturers.RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = registered.DeviceId, Reason = "returned unit" }, fleet.AsManufacturer).ResponseAsync);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(!client.Client.IsConnected)), "the session that used the old password went on");
        await client.DisposeAsync();
        Assert.NotEqual(MqttClientConnectResultCode.Success, await MqttTestClient.TryConnectAsync(_broker.Port, registered.DeviceId, registered.DeviceId, registered.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.Success, await MqttTestClient.TryConnectAsync(_broker.Port, registered.DeviceId, registered.DeviceId, rotated.MqttPassword));

        await fleet.Manufacturers.DecommissionDeviceAsync(new DecommissionDeviceRequest { DeviceId = registered.DeviceId, Reason = "end of life" }, fleet.AsManufacturer);
        Assert.NotEqual(MqttClientConnectResultCode.Success, await MqttTestClient.TryConnectAsync(_broker.Port, registered.DeviceId, registered.DeviceId, rotated.MqttPassword));
        Assert.DoesNotContain(registered.DeviceId, await _broker.ClientNamesAsync());
    }

    [Fact]
    public async Task Reconciliation_restores_a_login_the_broker_lost_and_removes_logins_the_state_database_does_not_know()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        const string Stranger = "st-0123456789abcdef";
        await _broker.CommandAsync(new object[]
        {
            new { command = "deleteClient", username = registered.DeviceId },
            new { command = "createClient", username = Stranger, password = "planted" },
        });
        Assert.NotEqual(MqttClientConnectResultCode.Success, await MqttTestClient.TryConnectAsync(_broker.Port, registered.DeviceId, registered.DeviceId, registered.MqttPassword));

        // Reconciliation runs at start (and every Broker:External:ReconcileMinutes).
        await _stack.Service.RestartAsync();

        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(20), async () =>
            await MqttTestClient.TryConnectAsync(_broker.Port, registered.DeviceId, registered.DeviceId, registered.MqttPassword) == MqttClientConnectResultCode.Success),
            "the lost login was not restored:\n" + _stack.Service.Output);
        Assert.DoesNotContain(Stranger, await _broker.ClientNamesAsync());
        Assert.Contains(_broker.ServiceUser, await _broker.ClientNamesAsync());
    }

    [Fact]
    public async Task After_the_broker_restarts_the_service_connects_again_by_itself_and_provisions_new_devices()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        await _broker.RestartAsync(kill: false);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(20), async () =>
        {
            using var http = new HttpClient { BaseAddress = _stack.Service.RestAddress };
            return (await http.GetAsync("/healthz/ready")).IsSuccessStatusCode;
        }), "readiness never came back after the broker restarted");
        var again = await fleet.RegisterAsync();
        Assert.Contains(again.DeviceId, await _broker.ClientNamesAsync());
        Assert.Contains(registered.DeviceId, await _broker.ClientNamesAsync());
    }

    [Fact]
    public async Task A_broker_killed_with_SIGKILL_loses_its_retained_policies_and_the_service_restores_them_from_the_state_database()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        await using (var before = await ConnectAsync(registered))
        {
            await before.SubscribeAsync(Topics(registered.DeviceId, "policy"));
            Assert.NotNull(await before.WaitForAsync(Topics(registered.DeviceId, "policy"), TimeSpan.FromSeconds(10)));
        }

        await _broker.RestartAsync(kill: true);

        // Logins survive (the plugin writes its file on every change); the retained policy comes back from the service.
        var envelope = await Eventually.ResultWithin(TimeSpan.FromSeconds(30), async () =>
        {
            await using var device = await ConnectAsync(registered);
            await device.SubscribeAsync(Topics(registered.DeviceId, "policy"));
            return await device.WaitForAsync(Topics(registered.DeviceId, "policy"), TimeSpan.FromSeconds(2));
        });
        Assert.True(envelope is not null, "no retained policy after the broker's restart:\n" + _stack.Service.Output);
        FleetScenario.VerifyOnDevice(registered, envelope.Payload.ToArray());
        // Once for the new broker at the first connection, once after the crash (logged after the last publish).
        Assert.True(
            await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(System.Text.RegularExpressions.Regex.Count(_stack.Service.Output, "had no retained policies") >= 2)),
            _stack.Service.Output);
    }

    [Fact]
    public async Task A_device_whose_heartbeat_reports_an_older_policy_gets_its_current_one_again_and_a_time_sync()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        await using var device = await ConnectAsync(registered);
        await device.SubscribeAsync(Topics(registered.DeviceId, "policy"));
        await device.SubscribeAsync(Topics(registered.DeviceId, "control"));
        Assert.NotNull(await device.WaitForAsync(Topics(registered.DeviceId, "policy"), TimeSpan.FromSeconds(10)));

        // As after a broker that lost the policy, or a publish that never arrived: the device still enforces version 0.
        Assert.Equal(MqttClientPublishReasonCode.Success, await device.PublishAsync(Topics(registered.DeviceId, "up"), RawUplinks.Heartbeat(sequence: 1, policyVersion: 0)));

        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), () =>
            Task.FromResult(device.Received.Count(m => m.Topic == Topics(registered.DeviceId, "policy")) >= 2)), "the current policy was not sent again; received " + string.Join(", ", device.Received.Select(m => m.Topic)) + "\n" + _stack.Service.Output);
        var again = device.Received.Last(m => m.Topic == Topics(registered.DeviceId, "policy"));
        Assert.Equal(registered.InitialPolicy.ToByteArray(), again.Payload.ToArray());
        var controls = device.Received.Where(m => m.Topic == Topics(registered.DeviceId, "control"))
            .Select(m => SmartTerminal.Contracts.Device.V1.ControlMessage.Parser.ParseFrom(m.Payload.ToArray())).ToList();
        Assert.Contains(controls, c => c.TimeSync is not null);
        Assert.Contains(controls, c => c.UplinkAck?.AckedThroughSequence == 1);
    }

    [Fact]
    public async Task A_login_the_state_database_does_not_know_writes_no_telemetry_and_gets_no_answer()
    {
        // A login left behind in the broker (or added there by hand) with the rights of a device.
        const string Stranger = "st-00000000000000ff";
        await PlantDeviceLoginAsync(Stranger, "stray");

        await AssertIgnoredAsync(await MqttTestClient.ConnectAsync(_broker.Port, Stranger, Stranger, "stray"), Stranger);
    }

    [Fact]
    public async Task A_decommissioned_device_whose_broker_login_survived_writes_no_telemetry_and_gets_no_answer()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        await fleet.Manufacturers.DecommissionDeviceAsync(new DecommissionDeviceRequest { DeviceId = registered.DeviceId, Reason = "returned" }, fleet.AsManufacturer);

        // As if removing its login had failed: the same login and rights put back by hand.
        await PlantDeviceLoginAsync(registered.DeviceId, registered.MqttPassword);

        await AssertIgnoredAsync(await ConnectAsync(registered), registered.DeviceId);
    }

    // A login with a device's rights (send uplinks, receive control messages) made directly in the broker.
    private async Task PlantDeviceLoginAsync(string deviceId, string password)
    {
        var role = "planted-" + deviceId;
        await _broker.CommandAsync(new object[]
        {
            new { command = "createRole", rolename = role, acls = new object[]
            {
                new { acltype = "publishClientSend", topic = Topics(deviceId, "up"), allow = true },
                new { acltype = "subscribeLiteral", topic = Topics(deviceId, "control"), allow = true },
                new { acltype = "publishClientReceive", topic = Topics(deviceId, "control"), allow = true },
            } },
            new { command = "createClient", username = deviceId, password, roles = new[] { new { rolename = role } } },
        });
    }

    // The broker takes the uplink; the service answers nothing (no time sync, no ack) and stores nothing.
    private async Task AssertIgnoredAsync(MqttTestClient client, string deviceId)
    {
        await using var connection = client;
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await client.SubscribeAsync(Topics(deviceId, "control")));
        Assert.Equal(MqttClientPublishReasonCode.Success, await client.PublishAsync(Topics(deviceId, "up"), RawUplinks.Heartbeat(sequence: 1)));

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(client.Received);
        var stored = await _stack.Influx.QueryAsync($"SELECT count(*) FROM /.*/ WHERE device = '{deviceId}'", TelemetryStack.Database);
        Assert.False(stored.GetProperty("results")[0].TryGetProperty("series", out _));
    }

    private async Task<T> WithServiceLogAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            throw new InvalidOperationException("the service failed; its log:\n" + _stack.Service.Output, e);
        }
    }

    private static string Topics(string deviceId, string kind) => $"st/v1/{deviceId}/{kind}";
}
