using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>A change that breaks a bound is refused with InvalidArgument naming every offending field.</summary>
public sealed class PolicyBoundsTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    private static IReadOnlyDictionary<string, string> Violations(RpcException e)
    {
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var badRequest = e.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>();
        return badRequest.FieldViolations.ToDictionary(v => v.Field, v => v.Description);
    }

    [Fact]
    public async Task Guardian_settings_beyond_the_profiles_hard_limits_are_refused_field_by_field()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "g-" + Guid.NewGuid().ToString("N")[..6], birthMonth: "2017-01");
        var settings = new PolicySettings
        {
            AllowedWindows = { new Wire.TimeWindow { WeekdayMask = 0x7F, StartMinute = 7 * 60, EndMinute = 23 * 60 } },
            MaxAgeRating = 18,
            StrangerMessagesAllowed = true,
            PerTransactionCap = 100_000,
            ContactMode = Wire.ContactMode.Open,
            TimeZone = "Mars/Olympus",
            WeekdayDailyMinutes = { 60, 60 },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = settings }, guardian).ResponseAsync);

        var violations = Violations(error);
        Assert.Contains("22:00-06:00", violations["settings.allowed_windows"], StringComparison.Ordinal);
        Assert.Contains("hard limit of 12", violations["settings.max_age_rating"], StringComparison.Ordinal);
        Assert.Contains("hard limit of 5000", violations["settings.per_transaction_cap"], StringComparison.Ordinal);
        Assert.True(violations.ContainsKey("settings.stranger_messages_allowed"));
        Assert.True(violations.ContainsKey("settings.contact_mode"));
        Assert.True(violations.ContainsKey("settings.time_zone"));
        Assert.True(violations.ContainsKey("settings.weekday_daily_minutes"));
        var stored = await fleet.Guardians.GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = device.DeviceId }, guardian);
        Assert.Equal(0ul, stored.Revision);
    }

    [Fact]
    public async Task A_baseline_looser_than_the_profile_is_refused_and_a_stricter_one_binds_guardians()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var looser = new SetBaselineRequest
        {
            FleetId = fleet.Fleet.Id,
            AgeBands =
            {
                new AgeBandPolicy { MinAge = 8, MaxAge = 12, Limits = new PolicyLimits { MaxAgeRating = 16, MayAllowStrangerMessages = true } },
                new AgeBandPolicy { MinAge = 5, MaxAge = 9 },
            },
        };
        var error = await Assert.ThrowsAsync<RpcException>(() => fleet.Manufacturers.SetBaselineAsync(looser, fleet.AsManufacturer).ResponseAsync);
        var violations = Violations(error);
        Assert.Contains("hard limit of 12", violations["age_bands[0].limits.max_age_rating"], StringComparison.Ordinal);
        Assert.True(violations.ContainsKey("age_bands[0].limits.may_allow_stranger_messages"));
        Assert.True(violations.ContainsKey("age_bands[1]"));

        await fleet.Manufacturers.SetBaselineAsync(new SetBaselineRequest
        {
            FleetId = fleet.Fleet.Id,
            AgeBands = { new AgeBandPolicy { MinAge = 8, MaxAge = 12, Limits = new PolicyLimits { MaxDailyMinutes = 90 } } },
        }, fleet.AsManufacturer);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "g-" + Guid.NewGuid().ToString("N")[..6], birthMonth: "2016-01");
        var tooLong = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 120 } }, guardian).ResponseAsync);
        Assert.Contains("hard limit of 90", Violations(tooLong)["settings.daily_minutes"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guardian_reads_the_bounds_before_a_change_with_the_layer_each_comes_from()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        await fleet.Manufacturers.SetBaselineAsync(new SetBaselineRequest
        {
            FleetId = fleet.Fleet.Id,
            AgeBands = { new AgeBandPolicy { MinAge = 8, MaxAge = 12, Defaults = new PolicySettings { DailyMinutes = 45 }, Limits = new PolicyLimits { MaxDailyMinutes = 50 } } },
        }, fleet.AsManufacturer);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "g-" + Guid.NewGuid().ToString("N")[..6], birthMonth: "2016-01");

        var bounds = await fleet.Guardians.GetSettingsBoundsAsync(new GetSettingsBoundsRequest { DeviceId = device.DeviceId }, guardian);

        Assert.Equal("cn-minor-mode-2024", bounds.ProfileId);
        Assert.Equal((8u, 12u), (bounds.AgeBandMinAge, bounds.AgeBandMaxAge));
        Assert.Equal(50u, bounds.Limits.MaxDailyMinutes);
        Assert.Equal(12u, bounds.Limits.MaxAgeRating);
        Assert.Equal(45u, bounds.Inherited.DailyMinutes);
        var sources = bounds.Sources.ToDictionary(s => s.Limit, s => s.Layer);
        Assert.Equal(PolicyLayer.FleetBaseline, sources["max_daily_minutes"]);
        Assert.Equal(PolicyLayer.RegulationProfile, sources["max_age_rating"]);
        Assert.Equal(PolicyLayer.RegulationProfile, sources["required_curfews[0]"]);

        // The bounds are the ones a change is checked against: one minute over is refused, the bound itself taken.
        var over = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = bounds.Limits.MaxDailyMinutes + 1 } }, guardian).ResponseAsync);
        Assert.Contains("settings.daily_minutes", Violations(over).Keys);
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = bounds.Limits.MaxDailyMinutes } }, guardian);

        // Another guardian's device is not there for this one.
        var (stranger, _) = await fleet.PairAsync(await fleet.RegisterAsync(), "g-" + Guid.NewGuid().ToString("N")[..6]);
        var notYours = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.GetSettingsBoundsAsync(new GetSettingsBoundsRequest { DeviceId = device.DeviceId }, stranger).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notYours.StatusCode);
    }

    [Fact]
    public async Task A_stale_revision_is_refused_so_two_guardians_do_not_overwrite_each_other()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "g-" + Guid.NewGuid().ToString("N")[..6]);
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 }, ExpectedRevision = 0 }, guardian);

        var stale = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 50 }, ExpectedRevision = 7 }, guardian).ResponseAsync);

        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
    }

    [Fact]
    public async Task Of_two_first_writes_that_both_read_no_settings_the_second_is_refused()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "g-" + Guid.NewGuid().ToString("N")[..6]);
        var read = await fleet.Guardians.GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = device.DeviceId }, guardian);
        Assert.Equal(0ul, read.Revision);

        var first = await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 }, ExpectedRevision = read.Revision }, guardian);
        var second = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 50 }, ExpectedRevision = read.Revision }, guardian).ResponseAsync);

        Assert.Equal(StatusCode.Aborted, second.StatusCode);
        Assert.Equal(30u, (await fleet.Guardians.GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = device.DeviceId }, guardian)).Settings.DailyMinutes);

        // Without an expected revision the write overwrites, as before.
        var overwrite = await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 50 } }, guardian);
        Assert.Equal(first.Revision + 1, overwrite.Revision);
    }

    [Fact]
    public async Task Unknown_profiles_and_empty_names_are_refused()
    {
        var options = await fixture.Service.As("manufacturer", "maker-bounds");
        var client = new ManufacturerService.ManufacturerServiceClient(fixture.Service.Channel);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.CreateFleetAsync(new CreateFleetRequest { Name = "x", RegulationProfileId = "xx" }, options).ResponseAsync);
        var empty = await Assert.ThrowsAsync<RpcException>(() => client.CreateFleetAsync(new CreateFleetRequest { Name = " ", RegulationProfileId = "none" }, options).ResponseAsync);

        Assert.Contains("regulation_profile_id", Violations(unknown).Keys);
        Assert.Contains("name", Violations(empty).Keys);
    }
}
