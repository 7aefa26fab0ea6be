using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Tests.Hosting;

namespace SmartTerminal.PolicyService.Tests.Application;

/// <summary>
/// The use cases check who may act before they look at what was asked: a stranger sending a malformed
/// request about someone else's device learns that the device is not there, never which field was wrong
/// (that would confirm the device exists). A paired guardian sending the same request gets the field.
/// </summary>
public sealed class CheckOrderTests : IAsyncLifetime
{
    private InProcessService _service = null!;
    private string _deviceId = string.Empty;
    private CallOptions _owner;

    public async Task InitializeAsync()
    {
        _service = await InProcessService.StartAsync(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var maker = _service.As("manufacturer", "acme");
        var manufacturers = new ManufacturerService.ManufacturerServiceClient(_service.Channel);
        var fleet = await manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "KidWatch", RegulationProfileId = "none" }, maker);
        var device = await manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleet.Id, SerialNumber = "SN-ORDER-1" }, maker);
        _deviceId = device.DeviceId;
        _owner = _service.As("guardian", "mum");
        await Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = device.PairingCode, ChildBirthMonth = "2016-05" }, _owner);
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private GuardianService.GuardianServiceClient Guardians => new(_service.Channel);

    public static TheoryData<string> MalformedRequests => ["extension of 0 minutes", "offline code of no kind", "offline code of 9999 minutes", "usage of a reversed period", "usage of a year"];

    private Task Send(string request, CallOptions as_) => request switch
    {
        "extension of 0 minutes" => Guardians.GrantExtensionAsync(new GrantExtensionRequest { DeviceId = _deviceId, ExtraMinutes = 0 }, as_).ResponseAsync,
        "offline code of no kind" => Guardians.CreateOfflineCodeAsync(new CreateOfflineCodeRequest { DeviceId = _deviceId, Minutes = 10 }, as_).ResponseAsync,
        "offline code of 9999 minutes" => Guardians.CreateOfflineCodeAsync(new CreateOfflineCodeRequest { DeviceId = _deviceId, Kind = OfflineGrantKind.ExtraMinutes, Minutes = 9999 }, as_).ResponseAsync,
        "usage of a reversed period" => Guardians.GetUsageAsync(new GetUsageRequest { DeviceId = _deviceId, FromDay = "2026-12-02", ToDay = "2026-12-01" }, as_).ResponseAsync,
        "usage of a year" => Guardians.GetUsageAsync(new GetUsageRequest { DeviceId = _deviceId, FromDay = "2025-12-01", ToDay = "2026-12-01" }, as_).ResponseAsync,
        _ => throw new ArgumentOutOfRangeException(nameof(request)),
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task A_stranger_learns_only_that_the_device_is_not_there(string request)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Send(request, _service.As("guardian", "stranger")));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task The_guardian_is_told_what_is_wrong(string request)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Send(request, _owner));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}
