using System.Buffers;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>
/// The regulation profile is the first policy layer: a profile file in Profiles:Directory is served
/// like a built-in one, and when it changes between two starts of the service every device of every
/// fleet under it receives a republished policy, the change audited; a start without a change
/// republishes nothing; a broken profile file stops the service naming the file.
/// </summary>
public sealed class ProfileChangeTests : IAsyncLifetime
{
    private const string ProfileId = "test-region-2026";

    private readonly string _profiles = Directory.CreateTempSubdirectory("st-profiles-").FullName;
    private PolicyServiceProcess _service = null!;

    private string ProfileFile => Path.Combine(_profiles, ProfileId + ".json");

    public async Task InitializeAsync()
    {
        WriteProfile(dailyMinutes: 90);
        _service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string> { ["Profiles:Directory"] = _profiles });
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        Directory.Delete(_profiles, recursive: true);
    }

    private void WriteProfile(int dailyMinutes) => File.WriteAllText(ProfileFile, $$"""
        {
          "id": "{{ProfileId}}", "name": "Test region", "jurisdiction": "XX", "source": "test",
          "emergencyNumbers": ["112"],
          "ageBands": [
            { "minAge": 0, "maxAge": 18,
              "defaults": { "dailyMinutes": {{dailyMinutes}}, "allowUnlistedApps": true, "timeZone": "Etc/UTC" },
              "limits": { "maxDailyMinutes": 120 } }
          ]
        }
        """);

    private static async Task<Wire.DevicePolicy> RetainedPolicyAsync(FleetScenario fleet, RegisterDeviceResponse device, Func<Wire.DevicePolicy, bool> until)
    {
        await using var client = await fleet.ConnectAsDeviceAsync(device);
        await client.SubscribeAsync($"st/v1/{device.DeviceId}/policy");
        Wire.DevicePolicy? policy = null;
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(20), () =>
        {
            policy = client.Received.Where(m => m.Topic.EndsWith("/policy", StringComparison.Ordinal))
                .Select(m => Wire.DevicePolicy.Parser.ParseFrom(Wire.SignedPolicyEnvelope.Parser.ParseFrom(m.Payload.ToArray()).Policy))
                .LastOrDefault();
            return Task.FromResult(policy is not null && until(policy));
        }), "the expected policy never arrived");
        return policy!;
    }

    private async Task<int> ProfileChangesAuditedAsync()
    {
        using var call = new ComplianceService.ComplianceServiceClient(_service.Channel).ListAuditEntries(new ListAuditEntriesRequest { Subject = ProfileId, Limit = 100 }, await _service.As("auditor", "profile-auditor"));
        var count = 0;
        await foreach (var entry in call.ResponseStream.ReadAllAsync())
        {
            count += entry.Action == "profile.changed" && entry.Actor == "system:policy-service" ? 1 : 0;
        }

        return count;
    }

    [Fact]
    public async Task A_changed_profile_republishes_every_device_under_it_once()
    {
        var fleet = await FleetScenario.CreateAsync(_service, profile: ProfileId);
        var devices = new[] { await fleet.RegisterAsync(), await fleet.RegisterAsync() };
        var before = await RetainedPolicyAsync(fleet, devices[0], p => true);
        Assert.Equal(90u, before.DailyBudgetMinutes[0]);

        WriteProfile(dailyMinutes: 45);
        await _service.RestartAsync();

        foreach (var device in devices)
        {
            var after = await RetainedPolicyAsync(fleet, device, p => p.Version > before.Version);
            Assert.All(after.DailyBudgetMinutes, minutes => Assert.Equal(45u, minutes));
        }

        Assert.Equal(1, await ProfileChangesAuditedAsync());
        var republished = await RetainedPolicyAsync(fleet, devices[0], p => true);

        await _service.RestartAsync();

        // No second change recorded, so no rollout was started: the retained policy is the one from before.
        Assert.Equal(1, await ProfileChangesAuditedAsync());
        Assert.Equal(republished.Version, (await RetainedPolicyAsync(fleet, devices[0], p => true)).Version);
    }

    [Fact]
    public async Task A_profile_file_that_does_not_parse_stops_the_service_naming_the_file()
    {
        var broken = Directory.CreateTempSubdirectory("st-profiles-broken-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(broken, "broken-region.json"), """{ "id": "broken", "ageBands": [ { "minAge": 12, "maxAge": 6 } ] }""");

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                PolicyServiceProcess.StartAsync(new Dictionary<string, string> { ["Profiles:Directory"] = broken }));

            Assert.Contains("broken-region.json", error.Message, StringComparison.Ordinal);
            Assert.Contains("bands ordered by age", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(broken, recursive: true);
        }
    }
}
