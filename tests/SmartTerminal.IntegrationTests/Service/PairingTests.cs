using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>Pairing, and the rebinding attack reported against kids' watches (mission brief).</summary>
public sealed class PairingTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    private static string NewGuardian() => "g-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_pairing_code_works_once()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var (_, paired) = await fleet.PairAsync(device, NewGuardian());

        var second = await Assert.ThrowsAsync<RpcException>(() => fleet.PairAsync(device, NewGuardian()));

        Assert.True(paired.Owner);
        Assert.Equal(StatusCode.NotFound, second.StatusCode);
    }

    [Fact]
    public async Task Guessing_codes_is_limited_to_five_attempts()
    {
        var guardian = await fixture.Service.As("guardian", NewGuardian());
        var client = new GuardianService.GuardianServiceClient(fixture.Service.Channel);
        var statuses = new List<StatusCode>();
        for (var i = 0; i < 6; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => client.PairDeviceAsync(new PairDeviceRequest { PairingCode = $"WRONG{i:D5}", ChildBirthMonth = "2016-01" }, guardian).ResponseAsync);
            statuses.Add(error.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(StatusCode.NotFound, 5), StatusCode.ResourceExhausted], statuses);
    }

    [Fact]
    public async Task A_second_guardian_joins_with_an_owner_issued_code_and_cannot_remove_the_owner()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var ownerId = NewGuardian();
        var (owner, _) = await fleet.PairAsync(device, ownerId);
        var code = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, owner);
        var grandma = await fixture.Service.As("guardian", NewGuardian());
        var paired = await fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = code.Code }, grandma);

        var removeOwner = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.RemoveGuardianAsync(new RemoveGuardianRequest { DeviceId = device.DeviceId, GuardianId = ownerId }, grandma).ResponseAsync);
        var issueCode = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, grandma).ResponseAsync);

        Assert.False(paired.Owner);
        Assert.Equal(StatusCode.PermissionDenied, removeOwner.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, issueCode.StatusCode);

        // Both see the same guardians, owner first, each marked as the caller in its own view.
        var seenByGrandma = (await fleet.Guardians.ListGuardiansAsync(new ListGuardiansRequest { DeviceId = device.DeviceId }, grandma)).Guardians;
        var seenByOwner = (await fleet.Guardians.ListGuardiansAsync(new ListGuardiansRequest { DeviceId = device.DeviceId }, owner)).Guardians;
        Assert.Equal([(ownerId, true, false), (seenByGrandma[1].GuardianId, false, true)], seenByGrandma.Select(g => (g.GuardianId, g.Owner, g.IsCaller)));
        Assert.Equal([true, false], seenByOwner.Select(g => g.IsCaller));
        Assert.True(seenByGrandma[0].PairedAt.ToDateTimeOffset() <= seenByGrandma[1].PairedAt.ToDateTimeOffset());
        Assert.InRange(seenByGrandma[1].PairedAt.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task A_removed_guardian_cannot_rebind_with_a_code_issued_before_the_removal()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var (owner, _) = await fleet.PairAsync(device, NewGuardian());
        var strangerId = NewGuardian();
        var stranger = await fixture.Service.As("guardian", strangerId);
        var first = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, owner);
        var spare = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, owner);
        await fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = first.Code }, stranger);

        var remaining = await fleet.Guardians.RemoveGuardianAsync(new RemoveGuardianRequest { DeviceId = device.DeviceId, GuardianId = strangerId }, owner);
        var rebind = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = spare.Code }, stranger).ResponseAsync);
        var lookup = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, stranger).ResponseAsync);

        Assert.Equal(1u, remaining.RemainingGuardians);
        Assert.Equal(StatusCode.NotFound, rebind.StatusCode);
        Assert.Equal(StatusCode.NotFound, lookup.StatusCode);
        Assert.Empty((await fleet.Guardians.ListDevicesAsync(new ListDevicesRequest(), stranger)).Devices);
    }

    [Fact]
    public async Task A_preview_shows_the_age_band_the_birth_month_selects_leaves_the_code_unused_and_counts_as_an_attempt()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();
        var guardian = await fixture.Service.As("guardian", NewGuardian());
        var nineYearsAgo = DateTime.UtcNow.AddYears(-9).AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var threeYearsAgo = DateTime.UtcNow.AddYears(-3).AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

        var nine = await fleet.Guardians.PreviewPairingAsync(new PairDeviceRequest { PairingCode = device.PairingCode, ChildBirthMonth = nineYearsAgo }, guardian);
        var three = await fleet.Guardians.PreviewPairingAsync(new PairDeviceRequest { PairingCode = device.PairingCode.ToLowerInvariant(), ChildBirthMonth = threeYearsAgo }, guardian);

        Assert.True(nine.WouldOwn);
        Assert.Equal(9u, nine.ChildAge);
        Assert.Equal("cn-minor-mode-2024", nine.Bounds.ProfileId);
        Assert.InRange(9u, nine.Bounds.AgeBandMinAge, nine.Bounds.AgeBandMaxAge);
        Assert.InRange(3u, three.Bounds.AgeBandMinAge, three.Bounds.AgeBandMaxAge);
        Assert.NotEqual(nine.Bounds.AgeBandMinAge, three.Bounds.AgeBandMinAge);
        Assert.Equal(12u, nine.Bounds.Limits.MaxAgeRating);

        // The code still pairs, with the band the preview showed.
        var paired = await fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = device.PairingCode, ChildBirthMonth = nineYearsAgo }, guardian);
        var bounds = await fleet.Guardians.GetSettingsBoundsAsync(new GetSettingsBoundsRequest { DeviceId = paired.DeviceId }, guardian);
        Assert.Equal((nine.Bounds.AgeBandMinAge, nine.Bounds.Limits), (bounds.AgeBandMinAge, bounds.Limits));

        // Previews count against the same five attempts as pairing: no free guessing.
        var guesser = await fixture.Service.As("guardian", NewGuardian());
        for (var i = 0; i < 5; i++)
        {
            var wrong = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.PreviewPairingAsync(new PairDeviceRequest { PairingCode = "WRONGCODE" + i, ChildBirthMonth = nineYearsAgo }, guesser).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, wrong.StatusCode);
        }

        var unused = await fleet.RegisterAsync();
        var limited = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.PreviewPairingAsync(new PairDeviceRequest { PairingCode = unused.PairingCode, ChildBirthMonth = nineYearsAgo }, guesser).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
    }

    [Fact]
    public async Task The_first_guardian_must_give_the_childs_birth_month()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var device = await fleet.RegisterAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => fleet.PairAsync(device, NewGuardian(), birthMonth: "sometime"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}
