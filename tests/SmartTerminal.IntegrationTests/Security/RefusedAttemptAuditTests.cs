using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Security;

/// <summary>
/// Refused attempts on other people's data leave a trace in the audit log (actor, resource, reason),
/// and a flood of them costs a bounded number of entries.
/// </summary>
public sealed class RefusedAttemptAuditTests : IAsyncLifetime
{
    private PolicyServiceProcess _service = null!;

    public async Task InitializeAsync() => _service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>
    {
        ["Audit:DenialWindowSeconds"] = "2",
        ["Audit:DenialResourcesPerWindow"] = "5",
    });

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private async Task<List<AuditEntry>> DenialsAsync() =>
        (await AuditTrail.ReadAsync(_service)).Where(e => e.Action == "access.denied").ToList();

    private static int Count(AuditEntry entry) => System.Text.Json.JsonDocument.Parse(entry.AfterJson).RootElement.GetProperty("count").GetInt32();

    [Fact]
    public async Task A_guardian_probing_another_childs_device_is_recorded_once_then_counted()
    {
        var fleet = await FleetScenario.CreateAsync(_service);
        var device = await fleet.RegisterAsync();
        await fleet.PairAsync(device, "mum");
        var stranger = await _service.As("guardian", "stranger");

        for (var i = 0; i < 30; i++)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, stranger));
            Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        }

        var first = (await DenialsAsync()).Where(e => e.Actor == "guardian:stranger").ToList();
        var all = await Eventually.ResultWithin(TimeSpan.FromSeconds(20), async () =>
        {
            var entries = (await DenialsAsync()).Where(e => e.Actor == "guardian:stranger").ToList();
            return entries.Sum(Count) == 30 ? entries : null;
        });

        Assert.NotEmpty(first);
        Assert.Equal(device.DeviceId, first[0].Subject);
        Assert.Contains("\"reason\":\"not-paired\"", first[0].AfterJson, StringComparison.Ordinal);
        Assert.Contains("GetEffectivePolicy", first[0].AfterJson, StringComparison.Ordinal);
        Assert.NotNull(all);
        // One entry written at once and one with the repeats per window (the probes may span two).
        Assert.InRange(all!.Count, 2, 4);
        Assert.Contains(all, e => Count(e) > 1 && e.AfterJson.Contains("\"repeated\":true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_manufacturer_probing_many_fleets_writes_a_bounded_number_of_entries()
    {
        var prober = await _service.As("manufacturer", "prober");
        var client = new ManufacturerService.ManufacturerServiceClient(_service.Channel);
        var victim = await FleetScenario.CreateAsync(_service);

        var probing = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<RpcException>(async () => await client.GetBaselineAsync(new GetBaselineRequest { FleetId = victim.Fleet.Id }, prober));
        for (var i = 0; i < 200; i++)
        {
            await Assert.ThrowsAsync<RpcException>(async () => await client.GetBaselineAsync(new GetBaselineRequest { FleetId = "fl-guess" + i }, prober));
        }

        probing.Stop();

        var entries = await Eventually.ResultWithin(TimeSpan.FromSeconds(20), async () =>
        {
            var found = (await DenialsAsync()).Where(e => e.Actor == "manufacturer:prober").ToList();
            return found.Sum(Count) == 201 ? found : null;
        });

        Assert.NotNull(entries);
        // Per 2-second window at most seven entries: five distinct resources at once, the first refusal
        // past them under "(more resources)", and that entry's repeats when the window ends. The probes
        // span as many windows as they took (a loaded CI machine makes it more), never one entry per probe.
        var windows = (int)Math.Ceiling(probing.Elapsed.TotalSeconds / 2) + 1;
        Assert.InRange(entries!.Count, 7, Math.Min(7 * windows, 70));
        Assert.Contains(entries, e => e.Subject == "fleet:" + victim.Fleet.Id && e.AfterJson.Contains("\"reason\":\"foreign-fleet\"", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Subject == "fleet:fl-guess0" && e.AfterJson.Contains("\"reason\":\"unknown-fleet\"", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Subject == "(more resources)");
    }

    [Fact]
    public async Task A_call_the_role_does_not_allow_is_recorded_too()
    {
        var guardian = await _service.As("guardian", "curious");

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await new ManufacturerService.ManufacturerServiceClient(_service.Channel).ListFleetsAsync(new ListFleetsRequest(), guardian));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        var entry = await Eventually.ResultWithin(TimeSpan.FromSeconds(10), async () => (await DenialsAsync()).FirstOrDefault(e => e.Actor == "guardian:curious"));
        Assert.NotNull(entry);
        Assert.Contains("ListFleets", entry!.Subject, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"role\"", entry.AfterJson, StringComparison.Ordinal);
    }
}
