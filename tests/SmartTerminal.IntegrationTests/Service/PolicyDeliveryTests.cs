using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using DeviceOfflineCode = SmartTerminal.Device.Core.Enforcement.OfflineCode;
using SmartTerminal.Device.Core.Hashing;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>From a manufacturer's registration and a guardian's settings to the signed policy a device holds.</summary>
public sealed class PolicyDeliveryTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    [Fact]
    public async Task A_registered_device_receives_its_signed_baseline_policy_over_MQTT()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        await using var client = await fleet.ConnectAsDeviceAsync(device);

        await client.SubscribeAsync($"st/v1/{device.DeviceId}/policy");
        var message = await client.WaitForAsync($"st/v1/{device.DeviceId}/policy", TimeSpan.FromSeconds(10));

        Assert.NotNull(message);
        Assert.True(message.Retain);
        var payload = message.Payload.ToArray();
        Assert.Equal(device.InitialPolicy.ToByteArray(), payload);
        var policy = FleetScenario.VerifyOnDevice(device, payload);
        // Age unknown until a guardian pairs: the youngest, strictest band of the CN profile.
        Assert.Equal(0u, policy.AgeBand);
        Assert.Equal([40u, 40, 40, 40, 40, 40, 40], policy.DailyBudgetMinutes);
        Assert.Equal(6u * 60, policy.AllowedWindows.Single().StartMinute);
        Assert.Equal(22u * 60, policy.AllowedWindows.Single().EndMinute);
        Assert.Contains(Fnv1a.HashPhoneNumber("110"), policy.Contacts.EmergencyNumberHashes);
        Assert.Equal(480, policy.UtcOffsetMinutes[0]);
    }

    [Fact]
    public async Task A_guardians_change_reaches_the_device_as_a_newer_version_and_its_ack_is_recorded()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "mum-" + Guid.NewGuid().ToString("N")[..6], birthMonth: "2015-03");
        await using var client = await fleet.ConnectAsDeviceAsync(device);
        await client.SubscribeAsync($"st/v1/{device.DeviceId}/policy");

        var settings = new PolicySettings { DailyMinutes = 75, Contacts = { new ContactSetting { Number = "+86 138 0000 0001", DisplayName = "Mum", Role = Wire.ContactRole.Guardian, MediaAllowed = true } } };
        var stored = await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = settings }, guardian);

        Assert.Equal(1ul, stored.Revision);
        Wire.DevicePolicy? received = null;
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () =>
        {
            var latest = client.Received.LastOrDefault(m => m.Topic == $"st/v1/{device.DeviceId}/policy");
            received = latest is null ? null : Wire.DevicePolicy.Parser.ParseFrom(Wire.SignedPolicyEnvelope.Parser.ParseFrom(latest.Payload.ToArray()).Policy);
            return Task.FromResult(received?.DailyBudgetMinutes.FirstOrDefault() == 75);
        }));
        Assert.NotNull(received);
        var envelope = client.Received.Last(m => m.Topic == $"st/v1/{device.DeviceId}/policy").Payload.ToArray();
        var policy = FleetScenario.VerifyOnDevice(device, envelope, currentVersion: 1);
        Assert.Equal(2u, policy.AgeBand); // 11 years old: the 8-12 band
        Assert.Contains(Fnv1a.HashPhoneNumber("8613800000001"), policy.Contacts.NumberHashes);

        var before = await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, guardian);
        Assert.True(before.ReportedVersion < before.DesiredVersion);
        await client.PublishAsync($"st/v1/{device.DeviceId}/up", new Wire.UplinkEnvelope { Sequence = 1, PolicyAck = new Wire.PolicyAck { AppliedVersion = policy.Version } }.ToByteArray());

        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () =>
            (await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, guardian)).ReportedVersion == policy.Version));
    }

    [Fact]
    public async Task Lagging_devices_are_listed_until_they_acknowledge()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var quiet = await fleet.RegisterAsync();
        var prompt = await fleet.RegisterAsync();
        await using (var client = await fleet.ConnectAsDeviceAsync(prompt))
        {
            await client.PublishAsync($"st/v1/{prompt.DeviceId}/up", new Wire.UplinkEnvelope { Sequence = 1, PolicyAck = new Wire.PolicyAck { AppliedVersion = 1 } }.ToByteArray());
        }

        var lagging = new List<string>();
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () =>
        {
            var reply = await fleet.Manufacturers.ListLaggingDevicesAsync(new ListLaggingDevicesRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer);
            lagging = [.. reply.Devices.Select(d => d.DeviceId)];
            return !lagging.Contains(prompt.DeviceId);
        }));
        Assert.Contains(quiet.DeviceId, lagging);
        var coverage = await fleet.Compliance.GetBaselineCoverageAsync(new GetBaselineCoverageRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer);
        Assert.Equal((2u, 1u, 1u), (coverage.TotalDevices, coverage.CurrentDevices, coverage.NeverSeenDevices));
    }

    [Fact]
    public async Task A_device_that_refuses_its_policy_is_listed_with_the_reason_until_it_catches_up()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var refusing = await fleet.RegisterAsync();
        var desired = Wire.SignedPolicyEnvelope.Parser.ParseFrom(refusing.InitialPolicy).Version;
        var up = $"st/v1/{refusing.DeviceId}/up";
        await using var client = await fleet.ConnectAsDeviceAsync(refusing);

        async Task<DevicePolicyState?> LaggingStateAsync() =>
            (await fleet.Manufacturers.ListLaggingDevicesAsync(new ListLaggingDevicesRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer))
            .Devices.SingleOrDefault(d => d.DeviceId == refusing.DeviceId);

        await client.PublishAsync(up, new Wire.UplinkEnvelope { Sequence = 1, PolicyAck = new Wire.PolicyAck { AppliedVersion = 0, RefusedVersion = desired, Refusal = Wire.PolicyRefusal.BadMac } }.ToByteArray());
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () => (await LaggingStateAsync())?.LastRefusal == "POLICY_REFUSAL_BAD_MAC"));

        // A heartbeat refuses nothing, but the device still lags: the reason stays.
        await client.PublishAsync(up, new Wire.UplinkEnvelope { Sequence = 2, Heartbeat = new Wire.Heartbeat { PolicyVersion = 0, FirmwareVersion = "1.0.0" } }.ToByteArray());
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () => (await LaggingStateAsync())?.LastReportAt is { } at && at.ToDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(-5)));
        Assert.Equal("POLICY_REFUSAL_BAD_MAC", (await LaggingStateAsync())!.LastRefusal);

        // Filtered by the reason: the refusing unit under its refusal, a unit that just has not caught up under none.
        var quiet = await fleet.RegisterAsync();
        async Task<IReadOnlyList<string>> WithRefusalAsync(string refusal) =>
            [.. (await fleet.Manufacturers.ListLaggingDevicesAsync(new ListLaggingDevicesRequest { FleetId = fleet.Fleet.Id, LastRefusal = refusal }, fleet.AsManufacturer)).Devices.Select(d => d.DeviceId)];
        Assert.Equal([refusing.DeviceId], await WithRefusalAsync("POLICY_REFUSAL_BAD_MAC"));
        Assert.Equal([quiet.DeviceId], await WithRefusalAsync("POLICY_REFUSAL_NONE"));
        Assert.Empty(await WithRefusalAsync("POLICY_REFUSAL_UNKNOWN_KEY"));
        var typo = await Assert.ThrowsAsync<RpcException>(() => WithRefusalAsync("BAD_MAC"));
        Assert.Equal(StatusCode.InvalidArgument, typo.StatusCode);

        await client.PublishAsync(up, new Wire.UplinkEnvelope { Sequence = 3, PolicyAck = new Wire.PolicyAck { AppliedVersion = desired } }.ToByteArray());
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () => await LaggingStateAsync() is null));
    }

    [Fact]
    public async Task A_baseline_change_rolls_out_to_every_device_of_the_fleet_in_the_background()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var devices = new List<RegisterDeviceResponse>();
        for (var i = 0; i < 12; i++)
        {
            devices.Add(await fleet.RegisterAsync());
        }

        var response = await fleet.Manufacturers.SetBaselineAsync(new SetBaselineRequest
        {
            FleetId = fleet.Fleet.Id,
            AgeBands = { new AgeBandPolicy { MinAge = 0, MaxAge = 3, Defaults = new PolicySettings { DailyMinutes = 20 } } },
        }, fleet.AsManufacturer);

        Rollout rollout = response.Rollout;
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(30), async () =>
        {
            rollout = await fleet.Manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = response.Rollout.Id }, fleet.AsManufacturer);
            return rollout.State == RolloutState.Completed;
        }));
        Assert.Equal((12u, 12u), (rollout.TotalDevices, rollout.PublishedDevices));
        await using var client = await fleet.ConnectAsDeviceAsync(devices[5]);
        await client.SubscribeAsync($"st/v1/{devices[5].DeviceId}/policy");
        var message = await client.WaitForAsync($"st/v1/{devices[5].DeviceId}/policy", TimeSpan.FromSeconds(10));
        var policy = FleetScenario.VerifyOnDevice(devices[5], message!.Payload.ToArray(), currentVersion: 1);
        Assert.Equal(20u, policy.DailyBudgetMinutes[0]);
    }

    [Fact]
    public async Task An_offline_code_from_the_service_is_accepted_by_the_devices_own_engine()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "dad-" + Guid.NewGuid().ToString("N")[..6]);

        var code = await fleet.Guardians.CreateOfflineCodeAsync(new CreateOfflineCodeRequest { DeviceId = device.DeviceId, Kind = OfflineGrantKind.ExtraMinutes, Minutes = 20 }, guardian);

        Assert.Equal(11, code.Code.Length);
        Assert.True(DeviceOfflineCode.TryParse(code.Code, 8, out var grant, out var value));
        Assert.Equal(20u, grant);
        var step = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 300;
        var message = new byte[DeviceOfflineCode.MessageLength];
        var mac = new byte[32];
        Assert.Contains(new[] { step - 1, step, step + 1 }, s => DeviceOfflineCode.ComputeValue(new FleetScenario.Hmac(), device.GuardianCodeSecret.ToByteArray(), s, grant, 8, message, mac) == value);
    }

    [Fact]
    public async Task An_online_extension_is_delivered_on_the_control_topic()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "gran-" + Guid.NewGuid().ToString("N")[..6]);
        await using var client = await fleet.ConnectAsDeviceAsync(device);
        await client.SubscribeAsync($"st/v1/{device.DeviceId}/control");
        // As a device does once connected: a heartbeat, which the service answers with its time.
        await client.PublishAsync($"st/v1/{device.DeviceId}/up", new Wire.UplinkEnvelope
        {
            Sequence = 1,
            CreatedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Heartbeat = new Wire.Heartbeat { FirmwareVersion = "1.0.0" },
        }.ToByteArray());

        // A category the watch does not have is refused before anything is sent.
        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await fleet.Guardians.GrantExtensionAsync(new GrantExtensionRequest { DeviceId = device.DeviceId, ExtraMinutes = 15, Category = 16 }, guardian));
        Assert.Equal((StatusCode.InvalidArgument, true), (unknown.StatusCode, unknown.Status.Detail.Contains("category", StringComparison.Ordinal)));

        var grant = await fleet.Guardians.GrantExtensionAsync(new GrantExtensionRequest { DeviceId = device.DeviceId, ExtraMinutes = 15 }, guardian);

        // The time sync answering the heartbeat and the grant both arrive on the control topic.
        Wire.ControlMessage? control = null;
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () =>
        {
            control = client.Received.Where(m => m.Topic == $"st/v1/{device.DeviceId}/control")
                .Select(m => Wire.ControlMessage.Parser.ParseFrom(m.Payload.ToArray()))
                .FirstOrDefault(c => c.BodyCase == Wire.ControlMessage.BodyOneofCase.Extension);
            return Task.FromResult(control is not null);
        }));
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(client.Received.Any(m =>
            m.Topic.EndsWith("/control", StringComparison.Ordinal) && Wire.ControlMessage.Parser.ParseFrom(m.Payload.ToArray()).BodyCase == Wire.ControlMessage.BodyOneofCase.TimeSync))));
        Assert.Equal((grant.GrantId, 15u), (control!.Extension.GrantId, control.Extension.ExtraMinutes));
        Assert.True(control.Extension.ValidUntilUnix > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task The_same_API_answers_JSON_over_HTTP1_for_curl()
    {
        using var http = new HttpClient { BaseAddress = fixture.Service.RestAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await fixture.Service.TokenAsync("manufacturer", "maker-json"));

        var created = await http.PostAsync("/v1/fleets", new StringContent("""{"name":"JsonFleet","regulationProfileId":"cn-minor-mode-2024"}""", System.Text.Encoding.UTF8, "application/json"));
        var listed = await http.GetStringAsync("/v1/fleets");

        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        Assert.Contains("\"JsonFleet\"", listed, StringComparison.Ordinal);
        var anonymous = await new HttpClient { BaseAddress = fixture.Service.RestAddress }.GetAsync("/v1/fleets");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_bound_violation_over_JSON_answers_400_naming_every_field()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        await fleet.PairAsync(device, "json-guardian", birthMonth: "2016-05");
        using var http = new HttpClient { BaseAddress = fixture.Service.RestAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await fixture.Service.TokenAsync("guardian", "json-guardian"));

        var response = await http.PutAsync($"/v1/devices/{device.DeviceId}/settings", new StringContent(
            "{\"deviceId\":\"" + device.DeviceId + "\",\"settings\":{\"maxAgeRating\":18,\"strangerMessagesAllowed\":true}}", System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("type.googleapis.com/google.rpc.BadRequest", body, StringComparison.Ordinal);
        Assert.Contains("settings.max_age_rating", body, StringComparison.Ordinal);
        Assert.Contains("settings.stranger_messages_allowed", body, StringComparison.Ordinal);
    }
}
