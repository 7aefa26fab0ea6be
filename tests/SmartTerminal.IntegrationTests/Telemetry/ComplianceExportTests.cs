using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.IntegrationTests.Infrastructure;

namespace SmartTerminal.IntegrationTests.Telemetry;

/// <summary>
/// Compliance exports against the real pipeline: virtual devices report usage through the service's
/// broker into InfluxDB, and the export streams CSV of daily aggregates (small groups left out) or of
/// the audit log, each chunked, hashed and itself audited.
/// </summary>
public sealed class ComplianceExportTests(ComplianceExportTests.World world) : IClassFixture<ComplianceExportTests.World>
{
    /// <summary>
    /// Two children in one fleet read for 10 minutes, one of them capped at 5 minutes a day by the
    /// guardian (so the device refuses the rest and reports budget denials); a third child is alone in
    /// another fleet, a group too small to report.
    /// </summary>
    public sealed class World : IAsyncLifetime
    {
        internal TelemetryStack Stack { get; private set; } = null!;

        internal FleetScenario Fleet { get; private set; } = null!;

        internal FleetScenario Lone { get; private set; } = null!;

        internal DateTimeOffset UsedAt { get; private set; }

        /// <summary>An app the capped child's guardian blocked: refusing it is an "other" denial.</summary>
        internal const string BlockedApp = "com.kids.casino";

        /// <summary>The zones whose calendar days the tests check.</summary>
        internal static readonly string[] Zones = ["UTC", "Asia/Shanghai", "America/Los_Angeles"];

        public async Task InitializeAsync()
        {
            await ClearOfMidnightAsync();
            Stack = await TelemetryStack.StartAsync(minimumGroupSize: 2);
            Fleet = await FleetScenario.CreateAsync(Stack.Service, profile: "none");
            Lone = await FleetScenario.CreateAsync(Stack.Service, profile: "none");
            var strict = await Fleet.RegisterAsync();
            var relaxed = await Fleet.RegisterAsync();
            var alone = await Lone.RegisterAsync();
            var (guardian, _) = await Fleet.PairAsync(strict, "export-guardian", "2016-01");
            var settings = new PolicySettings { DailyMinutes = 5 };
            settings.Apps.Add(new AppSetting { PackageName = BlockedApp, Access = SmartTerminal.Contracts.Device.V1.AppAccess.Block });
            await Fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = strict.DeviceId, Settings = settings }, guardian);

            UsedAt = DateTimeOffset.UtcNow;
            foreach (var registered in new[] { strict, relaxed, alone })
            {
                using var device = Stack.Device(registered);
                Assert.True(await TelemetryStack.ConnectedAsync(device, withDailyBudget: registered == strict));
                device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
                if (registered == strict)
                {
                    Assert.False(device.Runtime.Engine.StartActivity(DeviceProvisioning.App("com.kids.reader")).IsAllowed);
                    Assert.False(device.Runtime.Engine.StartActivity(DeviceProvisioning.App(BlockedApp)).IsAllowed);
                }

                device.Idle(TimeSpan.FromMinutes(6), TimeSpan.FromSeconds(30));
                Assert.True(await TelemetryStack.DrainAsync(device));
            }
        }

        public async Task DisposeAsync() => await Stack.DisposeAsync();

        // The children's usage lands in 5-minute buckets from the one holding now to about 15 minutes
        // later. Should a local midnight of a checked zone fall in that span, each day would hold a group
        // of one (suppressed) and the expectations would not hold: start after that midnight instead.
        private static async Task ClearOfMidnightAsync()
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var id in Zones)
            {
                var zone = TimeZoneInfo.FindSystemTimeZoneById(id);
                var local = TimeZoneInfo.ConvertTime(now, zone);
                var nextMidnight = new DateTimeOffset(local.Date.AddDays(1), zone.GetUtcOffset(local.Date.AddDays(1)));
                if (nextMidnight - now < TimeSpan.FromMinutes(20))
                {
                    await Task.Delay(nextMidnight - now + TimeSpan.FromMinutes(1));
                    return;
                }
            }
        }
    }

    public static TheoryData<string> CheckedZones() => new(World.Zones);

    private ComplianceService.ComplianceServiceClient Compliance => world.Fleet.Compliance;

    private static ExportReportRequest Request(ExportKind kind, string fleetId = "", string timeZone = "") => new()
    {
        Kind = kind,
        FleetId = fleetId,
        TimeZone = timeZone,
        From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-2)),
        To = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(2)),
    };

    private async Task<(List<string[]> Rows, ExportChunk Last, string File)> ExportAsync(ExportReportRequest request, CallOptions options)
    {
        using var call = Compliance.ExportReport(request, options);
        var chunks = new List<ExportChunk>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunks.Add(chunk);
        }

        var file = string.Concat(chunks.Select(c => c.Csv));
        Assert.True(chunks[^1].Last);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file))), chunks[^1].Sha256);
        var rows = Csv.Parse(file);
        Assert.Equal((int)chunks[^1].TotalRows, rows.Count - 1);
        return (rows, chunks[^1], file);
    }

    private static string Day(DateTimeOffset at, string zone) =>
        TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(zone)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(CheckedZones))]
    public async Task Daily_usage_export_gives_the_fleet_group_per_local_day(string zone)
    {
        var auditor = await world.Stack.Service.As("auditor", "regulator");

        var (rows, last, _) = await ExportAsync(Request(ExportKind.DailyUsage, world.Fleet.Fleet.Id, zone), auditor);

        Assert.Equal(["day", "age_band", "ages", "category", "category_name", "devices", "mean_minutes", "p95_minutes"], rows[0]);
        var row = Assert.Single(rows.Skip(1));
        Assert.Equal(Day(world.UsedAt, zone), row[0]);
        Assert.Equal(("0", "unspecified", "2", "7.5", "10"), (row[3], row[4], row[5], row[6], row[7]));
        Assert.Equal(0u, last.SuppressedGroups);
    }

    [Fact]
    public async Task A_group_smaller_than_the_minimum_is_left_out_and_counted()
    {
        var (rows, last, file) = await ExportAsync(Request(ExportKind.DailyUsage, world.Lone.Fleet.Id), world.Lone.AsManufacturer);

        Assert.Single(rows);
        Assert.Equal(1u, last.SuppressedGroups);
        Assert.DoesNotContain("st-", file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_stored_point_carries_its_fleet_so_a_fleet_report_reads_only_that_fleets_series()
    {
        async Task<long> StoredSecondsAsync(string fleetId)
        {
            var result = await world.Stack.Influx.QueryAsync($"SELECT sum(used_seconds) FROM usage WHERE fleet = '{fleetId}'", TelemetryStack.Database);
            return result.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0][1].GetInt64();
        }

        Assert.Equal((5 + 10) * 60, await StoredSecondsAsync(world.Fleet.Fleet.Id));
        Assert.Equal(10 * 60, await StoredSecondsAsync(world.Lone.Fleet.Id));
    }

    [Fact]
    public async Task Daily_enforcement_export_counts_the_budget_denials_of_the_capped_child_and_the_blocked_app_apart()
    {
        var (rows, _, _) = await ExportAsync(Request(ExportKind.DailyEnforcement, world.Fleet.Fleet.Id), world.Fleet.AsManufacturer);

        Assert.Equal(["day", "curfew_denials", "budget_denials", "clock_tamper_events", "refused_policies", "offline_codes_redeemed", "devices_with_tamper", "other_denials"], rows[0]);
        var row = Assert.Single(rows.Skip(1));
        Assert.Equal(Day(world.UsedAt, "UTC"), row[0]);
        Assert.True(int.Parse(row[2], CultureInfo.InvariantCulture) >= 2, $"budget denials: {row[2]}");
        Assert.Equal(("0", "0", "0", "1"), (row[1], row[3], row[6], row[7]));
    }

    [Theory]
    [MemberData(nameof(CheckedZones))]
    public async Task The_enforcement_report_lists_every_local_day_of_the_period_with_each_denial_on_its_own_day(string zone)
    {
        // Whole local days: from midnight two days before the use to the midnight after the day after it.
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var usedOn = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(world.UsedAt, tz).DateTime);
        DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), tz.GetUtcOffset(day.ToDateTime(TimeOnly.MinValue)));
        var request = new GetEnforcementReportRequest
        {
            FleetId = world.Fleet.Fleet.Id,
            From = Timestamp.FromDateTimeOffset(Midnight(usedOn.AddDays(-2))),
            To = Timestamp.FromDateTimeOffset(Midnight(usedOn.AddDays(2))),
            TimeZone = zone,
        };

        var report = await Compliance.GetEnforcementReportAsync(request, world.Fleet.AsManufacturer);

        Assert.Equal(zone, report.TimeZone);
        Assert.Equal(Enumerable.Range(-2, 4).Select(d => usedOn.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), report.Days.Select(d => d.Day));
        var used = report.Days.Single(d => d.Day == Day(world.UsedAt, zone));
        Assert.True(used.BudgetDenials >= 2, $"budget denials: {used.BudgetDenials}");
        Assert.Equal(1ul, used.OtherDenials);
        Assert.All(report.Days.Where(d => d != used), d => Assert.Equal((0ul, 0ul, 0ul), (d.BudgetDenials, d.OtherDenials, d.CurfewDenials)));
        Assert.Equal(report.BudgetDenials, (ulong)report.Days.Sum(d => (long)d.BudgetDenials));

        var wrongZone = await Assert.ThrowsAsync<RpcException>(async () => await Compliance.GetEnforcementReportAsync(new GetEnforcementReportRequest { FleetId = world.Fleet.Fleet.Id, TimeZone = "Asia/Shang hai" }, world.Fleet.AsManufacturer));
        Assert.Equal(StatusCode.InvalidArgument, wrongZone.StatusCode);
    }

    [Fact]
    public async Task Audit_log_export_keeps_each_entry_with_its_chain_hash_and_is_itself_audited()
    {
        var auditor = await world.Stack.Service.As("auditor", "regulator-export");

        var (rows, _, _) = await ExportAsync(Request(ExportKind.AuditLog), auditor);

        Assert.Equal(["sequence", "at", "actor", "action", "subject", "before_json", "after_json", "hash"], rows[0]);
        var settings = rows.Single(r => r[3] == "guardian-settings.set");
        Assert.Contains("\"dailyMinutes\": 5", settings[6], StringComparison.Ordinal);
        using var listed = Compliance.ListAuditEntries(new ListAuditEntriesRequest { AfterSequence = ulong.Parse(settings[0], CultureInfo.InvariantCulture) - 1, Limit = 1 }, auditor);
        Assert.True(await listed.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(listed.ResponseStream.Current.Hash, settings[7]);
        using var after = Compliance.ListAuditEntries(new ListAuditEntriesRequest { AfterSequence = ulong.Parse(settings[0], CultureInfo.InvariantCulture), Limit = 10_000 }, auditor);
        var later = new List<AuditEntry>();
        await foreach (var entry in after.ResponseStream.ReadAllAsync())
        {
            later.Add(entry);
        }

        Assert.Contains(later, e => e.Action == "audit-log.export" && e.Actor == "auditor:regulator-export");
    }

    [Fact]
    public async Task Only_auditors_export_the_audit_log()
    {
        var guardian = await world.Stack.Service.As("guardian", "export-guardian");

        var byManufacturer = await Assert.ThrowsAsync<RpcException>(() => ExportAsync(Request(ExportKind.AuditLog), world.Fleet.AsManufacturer));
        var byGuardian = await Assert.ThrowsAsync<RpcException>(() => ExportAsync(Request(ExportKind.DailyUsage, world.Fleet.Fleet.Id), guardian));

        Assert.Equal(StatusCode.PermissionDenied, byManufacturer.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, byGuardian.StatusCode);
    }

    [Fact]
    public async Task A_manufacturer_cannot_export_another_manufacturers_fleet()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ExportAsync(Request(ExportKind.DailyUsage, world.Fleet.Fleet.Id), world.Lone.AsManufacturer));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [InlineData(ExportKind.Unspecified, "UTC", 0, "kind")]
    [InlineData(ExportKind.DailyUsage, "Mars/Olympus_Mons", 0, "time_zone")]
    [InlineData(ExportKind.DailyUsage, "UTC", -3, "from")]
    [InlineData(ExportKind.DailyEnforcement, "UTC", 400, "from")]
    public async Task A_bad_request_is_refused_naming_the_field(ExportKind kind, string zone, int days, string field)
    {
        var auditor = await world.Stack.Service.As("auditor", "regulator");
        var request = Request(kind, world.Fleet.Fleet.Id, zone);
        if (days != 0)
        {
            request.From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
            request.To = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(days));
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => ExportAsync(request, auditor));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field + ":", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_export_works_with_curl_over_JSON()
    {
        using var http = new HttpClient { BaseAddress = world.Stack.Service.RestAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await world.Stack.Service.TokenAsync("auditor", "curl-auditor"));

        // The virtual devices' clocks ran ahead of real time while they played: the period ends tomorrow.
        var period = $"from={DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-ddTHH:mm:ssZ}&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}";
        var response = await http.GetAsync($"/v1/compliance/export?kind=EXPORT_KIND_DAILY_USAGE&fleetId={world.Fleet.Fleet.Id}&timeZone=Asia/Shanghai&{period}");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Contains("day,age_band,ages,category,category_name,devices,mean_minutes,p95_minutes\\r\\n", body, StringComparison.Ordinal);
        Assert.Contains($"\\r\\n{Day(world.UsedAt, "Asia/Shanghai")},0,0-17,0,unspecified,2,7.5,10\\r\\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_InfluxDB_is_down_a_usage_export_is_unavailable_and_the_audit_log_export_still_works()
    {
        var auditor = await world.Stack.Service.As("auditor", "regulator");
        await world.Stack.Influx.StopAsync();
        try
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => ExportAsync(Request(ExportKind.DailyUsage, world.Fleet.Fleet.Id), auditor));
            var (auditRows, _, _) = await ExportAsync(Request(ExportKind.AuditLog), auditor);

            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            Assert.True(auditRows.Count > 5);
        }
        finally
        {
            await world.Stack.Influx.StartAgainAsync();
        }

        var (rows, _, _) = await ExportAsync(Request(ExportKind.DailyUsage, world.Fleet.Fleet.Id), auditor);
        Assert.Equal(2, rows.Count);
    }

    /// <summary>A strict RFC 4180 reader, enough to read the exports back.</summary>
    private static class Csv
    {
        public static List<string[]> Parse(string text)
        {
            var rows = new List<string[]>();
            var row = new List<string>();
            var cell = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        cell.Append('"');
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        cell.Append(c);
                    }
                }
                else if (c == '"')
                {
                    quoted = true;
                }
                else if (c == ',')
                {
                    row.Add(cell.ToString());
                    cell.Clear();
                }
                else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    row.Add(cell.ToString());
                    cell.Clear();
                    rows.Add([.. row]);
                    row.Clear();
                    i++;
                }
                else
                {
                    cell.Append(c);
                }
            }

            Assert.False(quoted, "unterminated quoted cell");
            Assert.Equal(0, cell.Length + row.Count);
            return rows;
        }
    }
}
