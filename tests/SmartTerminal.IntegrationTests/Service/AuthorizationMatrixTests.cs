using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>
/// Every RPC with every role, on the caller's own resources and on someone else's: what is allowed
/// works, what is not fails with the precise status (no token: Unauthenticated; wrong role:
/// PermissionDenied; another's fleet or device: NotFound, so ids of others stay private).
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.World world) : IClassFixture<AuthorizationMatrixTests.World>
{
    public sealed class World : IAsyncLifetime
    {
        internal PolicyServiceProcess Service { get; private set; } = null!;

        internal FleetScenario Own { get; private set; } = null!;

        internal FleetScenario Foreign { get; private set; } = null!;

        internal RegisterDeviceResponse OwnDevice { get; private set; } = null!;

        internal RegisterDeviceResponse ForeignDevice { get; private set; } = null!;

        internal string Rollout { get; private set; } = string.Empty;

        public async Task InitializeAsync()
        {
            Service = await PolicyServiceProcess.StartAsync();
            Own = await FleetScenario.CreateAsync(Service);
            Foreign = await FleetScenario.CreateAsync(Service);
            OwnDevice = await Own.RegisterAsync();
            ForeignDevice = await Foreign.RegisterAsync();
            await Own.PairAsync(OwnDevice, "guardian-own");
            await Foreign.PairAsync(ForeignDevice, "guardian-foreign");
            Rollout = (await Own.Manufacturers.SetBaselineAsync(new SetBaselineRequest { FleetId = Own.Fleet.Id }, Own.AsManufacturer)).Rollout.Id;
        }

        public async Task DisposeAsync() => await Service.DisposeAsync();
    }

    private enum Expect
    {
        Ok,
        Unauthenticated,
        PermissionDenied,
        NotFound,
    }

    private sealed record Call(string Name, string Role, bool OwnResource, Func<World, CallOptions, Task> Invoke);

    private static IEnumerable<Call> Calls()
    {
        foreach (var own in new[] { true, false })
        {
            string Fleet(World w) => own ? w.Own.Fleet.Id : w.Foreign.Fleet.Id;
            string Device(World w) => own ? w.OwnDevice.DeviceId : w.ForeignDevice.DeviceId;
            ManufacturerService.ManufacturerServiceClient M(World w) => new(w.Service.Channel);
            GuardianService.GuardianServiceClient G(World w) => new(w.Service.Channel);
            ComplianceService.ComplianceServiceClient C(World w) => new(w.Service.Channel);

            yield return new("GetBaseline", "manufacturer", own, async (w, o) => await M(w).GetBaselineAsync(new GetBaselineRequest { FleetId = Fleet(w) }, o));
            yield return new("SetBaseline", "manufacturer", own, async (w, o) => await M(w).SetBaselineAsync(new SetBaselineRequest { FleetId = Fleet(w) }, o));
            yield return new("CreateModel", "manufacturer", own, async (w, o) => await M(w).CreateModelAsync(new CreateModelRequest { FleetId = Fleet(w), Name = "m" }, o));
            yield return new("RegisterDevice", "manufacturer", own, async (w, o) => await M(w).RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = Fleet(w), SerialNumber = Guid.NewGuid().ToString() }, o));
            yield return new("RotateDeviceKeys", "manufacturer", own, async (w, o) => await M(w).RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = Device(w), Reason = "test" }, o));
            yield return new("ListLaggingDevices", "manufacturer", own, async (w, o) => await M(w).ListLaggingDevicesAsync(new ListLaggingDevicesRequest { FleetId = Fleet(w) }, o));
            yield return new("ListFirmwareVersions", "manufacturer", own, async (w, o) => await M(w).ListFirmwareVersionsAsync(new ListFirmwareVersionsRequest { FleetId = Fleet(w) }, o));
            yield return new("ListRollouts", "manufacturer", own, async (w, o) => await M(w).ListRolloutsAsync(new ListRolloutsRequest { FleetId = Fleet(w) }, o));
            yield return new("GetRollout", "manufacturer", own, async (w, o) => await M(w).GetRolloutAsync(new GetRolloutRequest { RolloutId = own ? w.Rollout : "ro-missing" }, o));
            yield return new("GetGuardianSettings", "guardian", own, async (w, o) => await G(w).GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = Device(w) }, o));
            yield return new("SetGuardianSettings", "guardian", own, async (w, o) => await G(w).SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = Device(w), Settings = new PolicySettings { DailyMinutes = 30 } }, o));
            yield return new("GetSettingsBounds", "guardian", own, async (w, o) => await G(w).GetSettingsBoundsAsync(new GetSettingsBoundsRequest { DeviceId = Device(w) }, o));
            yield return new("GetEffectivePolicy", "guardian", own, async (w, o) => await G(w).GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = Device(w) }, o));
            yield return new("GrantExtension", "guardian", own, async (w, o) => await G(w).GrantExtensionAsync(new GrantExtensionRequest { DeviceId = Device(w), ExtraMinutes = 5 }, o));
            yield return new("CreateOfflineCode", "guardian", own, async (w, o) => await G(w).CreateOfflineCodeAsync(new CreateOfflineCodeRequest { DeviceId = Device(w), Kind = OfflineGrantKind.ExtraMinutes, Minutes = 5 }, o));
            yield return new("ListGuardians", "guardian", own, async (w, o) => await G(w).ListGuardiansAsync(new ListGuardiansRequest { DeviceId = Device(w) }, o));
            yield return new("CreatePairingCode", "guardian", own, async (w, o) => await G(w).CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = Device(w) }, o));
            yield return new("GetBaselineCoverage", "manufacturer", own, async (w, o) => await C(w).GetBaselineCoverageAsync(new GetBaselineCoverageRequest { FleetId = Fleet(w) }, o));
            yield return new("GetUsageReport", "manufacturer", own, async (w, o) => await C(w).GetUsageReportAsync(new GetUsageReportRequest { FleetId = Fleet(w) }, o));
            yield return new("GetEnforcementReport", "manufacturer", own, async (w, o) => await C(w).GetEnforcementReportAsync(new GetEnforcementReportRequest { FleetId = Fleet(w) }, o));
            yield return new("ExportReport(daily usage)", "manufacturer", own, async (w, o) => await Drain(C(w).ExportReport(new ExportReportRequest { Kind = ExportKind.DailyUsage, FleetId = Fleet(w) }, o)));
            yield return new("ListDeviceHistory", "guardian", own, async (w, o) => await G(w).ListDeviceHistoryAsync(new ListDeviceHistoryRequest { DeviceId = Device(w) }, o));
            yield return new("ListRequests", "guardian", own, async (w, o) => await G(w).ListRequestsAsync(new ListRequestsRequest { DeviceId = Device(w) }, o));
            // This world has no watch to ask anything: an empty request id is refused only once the caller is let through.
            yield return new("AnswerRequest", "guardian", own, async (w, o) => await G(w).AnswerRequestAsync(new AnswerRequestRequest { DeviceId = Device(w), RequestId = string.Empty }, o));
            yield return new("GetUsage", "guardian", own, async (w, o) => await G(w).GetUsageAsync(new GetUsageRequest { DeviceId = Device(w), FromDay = "2026-11-01", ToDay = "2026-11-07" }, o));
            // The next ones change their device for good: the own case works on a fresh unit of the own fleet.
            yield return new("ReissuePairingCode", "manufacturer", own, async (w, o) => await M(w).ReissuePairingCodeAsync(new ReissuePairingCodeRequest { DeviceId = own ? (await w.Own.RegisterAsync()).DeviceId : Device(w), Reason = "returned" }, o));
            yield return new("DecommissionDevice", "manufacturer", own, async (w, o) => await M(w).DecommissionDeviceAsync(new DecommissionDeviceRequest { DeviceId = own ? (await w.Own.RegisterAsync()).DeviceId : Device(w), Reason = "scrapped" }, o));
            yield return new("RemoveGuardian", "guardian", own, async (w, o) =>
            {
                // Own: the owning guardian of the own device removes a co-guardian it has just invited.
                var guardian = "co-" + Guid.NewGuid().ToString("N")[..8];
                if (own)
                {
                    var invite = await G(w).CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = Device(w) }, await w.Service.As("guardian", "guardian-own"));
                    await G(w).PairDeviceAsync(new PairDeviceRequest { PairingCode = invite.Code }, await w.Service.As("guardian", guardian));
                }

                await G(w).RemoveGuardianAsync(new RemoveGuardianRequest { DeviceId = Device(w), GuardianId = own ? guardian : "guardian-foreign" }, o);
            });
        }

        ManufacturerService.ManufacturerServiceClient Mf(World w) => new(w.Service.Channel);
        GuardianService.GuardianServiceClient Gd(World w) => new(w.Service.Channel);
        ComplianceService.ComplianceServiceClient Cp(World w) => new(w.Service.Channel);
        yield return new("ListRegulationProfiles", "manufacturer", true, async (w, o) => await Mf(w).ListRegulationProfilesAsync(new ListRegulationProfilesRequest(), o));
        yield return new("ListFleets", "manufacturer", true, async (w, o) => await Mf(w).ListFleetsAsync(new ListFleetsRequest(), o));
        yield return new("CreateFleet", "manufacturer", true, async (w, o) => await Mf(w).CreateFleetAsync(new CreateFleetRequest { Name = "f", RegulationProfileId = "none" }, o));
        yield return new("ListDevices", "guardian", true, async (w, o) => await Gd(w).ListDevicesAsync(new ListDevicesRequest(), o));
        yield return new("VerifyAuditChain", "auditor", true, async (w, o) => await Cp(w).VerifyAuditChainAsync(new VerifyAuditChainRequest(), o));
        yield return new("ListAuditEntries", "auditor", true, async (w, o) => await Drain(Cp(w).ListAuditEntries(new ListAuditEntriesRequest { Limit = 5 }, o)));
        yield return new("ExportReport(audit log)", "auditor", true, async (w, o) => await Drain(Cp(w).ExportReport(new ExportReportRequest { Kind = ExportKind.AuditLog }, o)));
        yield return new("ListAuditCheckpoints", "auditor", true, async (w, o) => await Cp(w).ListAuditCheckpointsAsync(new ListAuditCheckpointsRequest(), o));
        yield return new("PreviewPairing", "guardian", true, async (w, o) =>
            await Gd(w).PreviewPairingAsync(new PairDeviceRequest { PairingCode = (await w.Own.RegisterAsync()).PairingCode, ChildBirthMonth = "2016-05" }, o));
        yield return new("PairDevice", "guardian", true, async (w, o) =>
            await Gd(w).PairDeviceAsync(new PairDeviceRequest { PairingCode = (await w.Own.RegisterAsync()).PairingCode, ChildBirthMonth = "2016-05" }, o));
    }

    [Fact]
    public void Every_rpc_of_the_three_services_is_in_the_matrix()
    {
        var inMatrix = Calls().Select(c => c.Name.Split('(')[0]).ToHashSet(StringComparer.Ordinal);
        var rpcs = new[] { ManufacturerService.Descriptor, GuardianService.Descriptor, ComplianceService.Descriptor }.SelectMany(s => s.Methods).Select(m => m.Name);

        var missing = rpcs.Where(r => !inMatrix.Contains(r)).ToList();

        Assert.True(missing.Count == 0, "not in the matrix: " + string.Join(", ", missing));
    }

    private static async Task Drain<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }
    }

    public static TheoryData<string, string, bool> Matrix()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var call in Calls())
        {
            foreach (var role in new[] { "none", "manufacturer", "guardian", "auditor" })
            {
                data.Add(call.Name, role, call.OwnResource);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_rpc_allows_only_its_role_on_its_own_resources(string rpc, string role, bool ownResource)
    {
        var call = Calls().Single(c => c.Name == rpc && c.OwnResource == ownResource);
        // The caller owns the "own" fleet and is the guardian of the "own" device.
        var subject = role switch { "manufacturer" => world.Own.Manufacturer, "guardian" => "guardian-own", _ => "auditor-1" };
        var options = role == "none" ? new CallOptions() : await world.Service.As(role, subject);
        var expected = role == "none" ? Expect.Unauthenticated
            : !RoleMayCall(rpc, call.Role, role) ? Expect.PermissionDenied
            : ownResource || role == "auditor" ? Expect.Ok
            : Expect.NotFound;

        var actual = Expect.Ok;
        try
        {
            await call.Invoke(world, options);
        }
        catch (RpcException e)
        {
            actual = e.StatusCode switch
            {
                StatusCode.Unauthenticated => Expect.Unauthenticated,
                StatusCode.PermissionDenied => Expect.PermissionDenied,
                StatusCode.NotFound => Expect.NotFound,
                // This service runs without InfluxDB: a telemetry report that passed every check says so.
                StatusCode.FailedPrecondition when e.Status.Detail.Contains("telemetry storage is not configured", StringComparison.Ordinal) => Expect.Ok,
                StatusCode.InvalidArgument when rpc == "AnswerRequest" && e.Status.Detail.Contains("request_id", StringComparison.Ordinal) => Expect.Ok,
                _ => throw new Xunit.Sdk.XunitException($"{rpc} as {role}: unexpected {e.StatusCode} {e.Status.Detail}"),
            };
        }

        Assert.Equal(expected, actual);
    }

    // Auditors may also read the compliance reports of any fleet; everything else belongs to one role.
    private static bool RoleMayCall(string rpc, string ownerRole, string role) =>
        role == ownerRole || (role == "auditor" && rpc is "GetBaselineCoverage" or "GetUsageReport" or "GetEnforcementReport" or "ExportReport(daily usage)");
}
