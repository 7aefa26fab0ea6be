using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Tests.Hosting;

/// <summary>
/// What happens at a time of day or after days have passed, with the service's clock moved by the test:
/// a co-guardian's code expiring while a box code does not, an extension ending at the child's local
/// midnight, a policy renewed when half its validity has gone by.
/// </summary>
public sealed class MovingClockTests : IAsyncLifetime
{
    // 23:50 in Shanghai.
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 15, 50, 0, TimeSpan.Zero);
    private InProcessService _service = null!;

    public async Task InitializeAsync() => _service = await InProcessService.StartAsync(Start);

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private ManufacturerService.ManufacturerServiceClient Manufacturers => new(_service.Channel);

    private GuardianService.GuardianServiceClient Guardians => new(_service.Channel);

    private async Task<(RegisterDeviceResponse Device, CallOptions Owner)> PairedDeviceAsync()
    {
        var maker = _service.As("manufacturer", "acme");
        var fleet = await Manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "KidWatch", RegulationProfileId = "none" }, maker);
        var device = await Manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleet.Id, SerialNumber = "SN-" + Guid.NewGuid().ToString("N")[..12] }, maker);
        var owner = _service.As("guardian", "mum");
        await Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = device.PairingCode, ChildBirthMonth = "2016-05" }, owner);
        return (device, owner);
    }

    [Fact]
    public async Task A_co_guardian_code_expires_after_a_day_while_a_box_code_waits_a_year_on_the_shelf()
    {
        var maker = _service.As("manufacturer", "acme");
        var fleet = await Manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "KidWatch", RegulationProfileId = "none" }, maker);
        var shelved = await Manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleet.Id, SerialNumber = "SN-SHELF" }, maker);
        var (device, owner) = await PairedDeviceAsync();
        var invite = await Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, owner);

        _service.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        var expired = await Assert.ThrowsAsync<RpcException>(() => Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = invite.Code }, _service.As("guardian", "dad")).ResponseAsync);
        _service.Time.Advance(TimeSpan.FromDays(365));
        var unboxed = await Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = shelved.PairingCode, ChildBirthMonth = "2016-05" }, _service.As("guardian", "aunt"));

        Assert.Equal(Start.AddMinutes(24 * 60), invite.ExpiresAt.ToDateTimeOffset());
        Assert.Equal(StatusCode.NotFound, expired.StatusCode);
        Assert.Equal(shelved.DeviceId, unboxed.DeviceId);
    }

    [Fact]
    public async Task An_extension_granted_ten_minutes_before_local_midnight_ends_at_local_midnight()
    {
        var (device, owner) = await PairedDeviceAsync();
        await Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { TimeZone = "Asia/Shanghai" } }, owner);

        var grant = await Guardians.GrantExtensionAsync(new GrantExtensionRequest { DeviceId = device.DeviceId, ExtraMinutes = 30 }, owner);

        Assert.Equal(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.FromHours(8)), grant.ValidUntil.ToDateTimeOffset());
    }

    [Fact]
    public async Task An_unchanged_policy_keeps_its_version_until_half_its_validity_has_passed_then_is_renewed()
    {
        var (device, owner) = await PairedDeviceAsync();
        var settings = new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 40 } };
        await Guardians.SetGuardianSettingsAsync(settings, owner);
        var changed = await Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, owner);

        _service.Time.Advance(TimeSpan.FromDays(29));
        await Guardians.SetGuardianSettingsAsync(settings, owner);
        var sameInputs = await Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, owner);
        _service.Time.Advance(TimeSpan.FromDays(2));
        await Guardians.SetGuardianSettingsAsync(settings, owner);
        var renewed = await Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, owner);

        Assert.Equal(changed.DesiredVersion, sameInputs.DesiredVersion);
        Assert.Equal(changed.DesiredVersion + 1, renewed.DesiredVersion);
    }
}
