using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.IntegrationTests.Service;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Security;

/// <summary>
/// Oversized requests and settings, and two writers at once: a guardian's change racing a rollout on
/// the same device, two guardians with the same expected revision, two registrations of one serial.
/// </summary>
public sealed class InputAndConcurrencyTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    private PolicyServiceProcess Service => fixture.Service;

    private static IReadOnlyDictionary<string, string> Violations(RpcException e)
    {
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        return e.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.ToDictionary(v => v.Field, v => v.Description);
    }

    private async Task<(FleetScenario Fleet, RegisterDeviceResponse Device, CallOptions Guardian, string GuardianId)> PairedDeviceAsync(string profile = "none")
    {
        var fleet = await FleetScenario.CreateAsync(Service, profile);
        var device = await fleet.RegisterAsync();
        var guardianId = "g-" + Guid.NewGuid().ToString("N")[..8];
        var (guardian, _) = await fleet.PairAsync(device, guardianId);
        return (fleet, device, guardian, guardianId);
    }

    [Fact]
    public async Task A_twelve_megabyte_settings_change_is_refused_by_JSON_and_gRPC_alike_before_it_is_read()
    {
        var (fleet, device, guardian, guardianId) = await PairedDeviceAsync();
        var huge = new PolicySettings();
        huge.BlockedDomains.AddRange(Enumerable.Range(0, 520_000).Select(i => $"blocked-{i}.example"));
        var request = new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = huge };

        var grpc = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Guardians.SetGuardianSettingsAsync(request, guardian));
        using var http = new HttpClient { BaseAddress = Service.RestAddress };
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/devices/{device.DeviceId}/settings")
        {
            Content = new StringContent(JsonFormatter.Default.Format(request), Encoding.UTF8, "application/json"),
        };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Service.TokenAsync("guardian", guardianId));
        // With 100-continue the refusal comes before a byte of the body is sent.
        put.Headers.ExpectContinue = true;
        using var json = await http.SendAsync(put);

        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        // JSON transcoding reports Kestrel's body limit as InvalidArgument (HTTP 400) with the limit in words.
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("max request body size is 1048576 bytes", await json.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("exceeds the maximum", grpc.Status.Detail, StringComparison.Ordinal);
        Assert.Null((await fleet.Guardians.GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = device.DeviceId }, guardian)).Settings?.BlockedDomains.FirstOrDefault());
    }

    [Fact]
    public async Task Settings_longer_than_a_device_holds_are_refused_naming_the_list()
    {
        var (fleet, device, guardian, _) = await PairedDeviceAsync();
        var settings = new PolicySettings();
        settings.BlockedDomains.AddRange(Enumerable.Range(0, 6_000).Select(i => $"b{i}.cn"));

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = settings }, guardian));

        Assert.Contains("at most 5000", Violations(refused)["settings.blocked_domains"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_within_each_bound_but_too_large_together_for_the_device_budget_are_refused_with_the_list_to_shorten()
    {
        // Boards without PSRAM get a smaller budget; the bounds of each list alone then do not suffice.
        await using var service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string> { ["PolicyService:MaxPolicyBytes"] = "16384" });
        var fleet = await FleetScenario.CreateAsync(service, "none");
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "budget-guardian");
        var settings = new PolicySettings();
        settings.BlockedDomains.AddRange(Enumerable.Range(0, 5_000).Select(i => $"b{i}.cn"));
        settings.Apps.AddRange(Enumerable.Range(0, 500).Select(i => new AppSetting { PackageName = $"com.app{i}", AgeRating = 3, Access = Wire.AppAccess.Allow }));
        settings.Contacts.AddRange(Enumerable.Range(0, 200).Select(i => new ContactSetting { Number = $"86138{i:D8}", Role = Wire.ContactRole.Approved }));
        settings.ClassAllowedApps.AddRange(Enumerable.Range(0, 500).Select(i => $"com.school{i}"));
        var before = (await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, guardian)).DesiredVersion;

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = settings }, guardian));

        var violation = Assert.Single(Violations(refused));
        Assert.Equal("settings.blocked_domains", violation.Key);
        Assert.Contains("over the device budget of 16,384", violation.Value, StringComparison.Ordinal);
        Assert.Equal(before, (await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, guardian)).DesiredVersion);
    }

    [Fact]
    public async Task A_guardian_change_racing_a_rollout_is_never_lost_and_every_version_is_used_once()
    {
        var (fleet, device, guardian, _) = await PairedDeviceAsync();
        await using var observer = await MqttTestClient.ConnectAsync(Service.MqttPort, "observer-" + Guid.NewGuid().ToString("N")[..6], Service.ServiceUserName, Service.ServicePassword);
        await observer.SubscribeAsync($"st/v1/{device.DeviceId}/policy");

        for (var round = 1; round <= 15; round++)
        {
            var minutes = (uint)(60 + round);
            var baseline = new SetBaselineRequest { FleetId = fleet.Fleet.Id };
            baseline.AgeBands.Add(new AgeBandPolicy { MinAge = 0, MaxAge = 18, Defaults = new PolicySettings { WarningMinutes = { (uint)round % 7 + 1 } } });
            await Task.WhenAll(
                fleet.Manufacturers.SetBaselineAsync(baseline, fleet.AsManufacturer).ResponseAsync,
                fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = minutes } }, guardian).ResponseAsync);
        }

        // Wait for the background rollouts, then compare what the device would enforce with the settings.
        var expected = (await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, guardian)).Settings.DailyMinutes;
        Assert.Equal(75u, expected);
        var settled = await Eventually.TrueWithin(TimeSpan.FromSeconds(20), async () =>
        {
            var state = await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, guardian);
            return Latest(observer, device) is { } latest && latest.Version == state.DesiredVersion && latest.DailyBudgetMinutes.All(m => m == expected);
        });

        Assert.True(settled, $"the device's newest policy does not carry the guardian's last change (newest: v{Latest(observer, device)?.Version}, {string.Join(",", Latest(observer, device)?.DailyBudgetMinutes ?? [])})");
        var versions = observer.Received.Where(m => m.Payload.Length > 0).Select(m => Wire.SignedPolicyEnvelope.Parser.ParseFrom(System.Buffers.BuffersExtensions.ToArray(m.Payload)).Version).ToList();
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }

    // The newest policy the device was sent, verified and decoded as the device does.
    private static SmartTerminal.Device.Core.Messages.DevicePolicy? Latest(MqttTestClient observer, RegisterDeviceResponse device) =>
        observer.Received.Where(m => m.Payload.Length > 0)
            .Select(m => System.Buffers.BuffersExtensions.ToArray(m.Payload))
            .OrderByDescending(bytes => Wire.SignedPolicyEnvelope.Parser.ParseFrom(bytes).Version)
            .Select(bytes => FleetScenario.VerifyOnDevice(device, bytes))
            .FirstOrDefault();

    [Fact]
    public async Task Of_two_changes_expecting_the_same_revision_exactly_one_wins()
    {
        var (fleet, device, guardian, _) = await PairedDeviceAsync();
        var current = await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 } }, guardian);

        for (var round = 0; round < 10; round++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
            {
                try
                {
                    await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = (uint)(31 + i) }, ExpectedRevision = current.Revision }, guardian);
                    return StatusCode.OK;
                }
                catch (RpcException e)
                {
                    return e.StatusCode;
                }
            }));

            Assert.Equal(1, results.Count(r => r == StatusCode.OK));
            Assert.All(results.Where(r => r != StatusCode.OK), r => Assert.Equal(StatusCode.Aborted, r));
            current = await fleet.Guardians.GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = device.DeviceId }, guardian);
        }

        Assert.Equal(11ul, current.Revision);
    }

    [Fact]
    public async Task Two_registrations_of_one_serial_at_once_give_one_device_and_one_AlreadyExists()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        var serial = "SN-" + Guid.NewGuid().ToString("N");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                await fleet.RegisterAsync(serial);
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }));

        Assert.Equal(1, results.Count(r => r == StatusCode.OK));
        Assert.All(results.Where(r => r != StatusCode.OK), r => Assert.Equal(StatusCode.AlreadyExists, r));
    }
}
