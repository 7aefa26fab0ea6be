using System.Security.Cryptography;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Platform;

using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>A manufacturer's fleet on a running service, with helpers to register devices and act as them.</summary>
internal sealed class FleetScenario
{
    private FleetScenario(PolicyServiceProcess service, string manufacturer, Fleet fleet, CallOptions asManufacturer)
    {
        Service = service;
        Manufacturer = manufacturer;
        Fleet = fleet;
        AsManufacturer = asManufacturer;
    }

    public PolicyServiceProcess Service { get; }

    public string Manufacturer { get; }

    public Fleet Fleet { get; }

    public CallOptions AsManufacturer { get; }

    public ManufacturerService.ManufacturerServiceClient Manufacturers => new(Service.Channel);

    public GuardianService.GuardianServiceClient Guardians => new(Service.Channel);

    public ComplianceService.ComplianceServiceClient Compliance => new(Service.Channel);

    public static async Task<FleetScenario> CreateAsync(PolicyServiceProcess service, string profile = "cn-minor-mode-2024")
    {
        var manufacturer = "maker-" + Guid.NewGuid().ToString("N")[..8];
        var options = await service.As("manufacturer", manufacturer);
        var fleet = await new ManufacturerService.ManufacturerServiceClient(service.Channel).CreateFleetAsync(new CreateFleetRequest { Name = "KidWatch", RegulationProfileId = profile }, options);
        return new FleetScenario(service, manufacturer, fleet, options);
    }

    /// <summary>The same fleet and manufacturer through another replica of the service (one state database, shared keys).</summary>
    public FleetScenario On(PolicyServiceProcess replica) => new(replica, Manufacturer, Fleet, AsManufacturer);

    public async Task<RegisterDeviceResponse> RegisterAsync(string? serial = null) =>
        await Manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = Fleet.Id, SerialNumber = serial ?? "SN-" + Guid.NewGuid().ToString("N") }, AsManufacturer);

    public async Task<(CallOptions Options, PairedDevice Device)> PairAsync(RegisterDeviceResponse device, string guardian, string birthMonth = "2016-05")
    {
        var options = await Service.As("guardian", guardian);
        var paired = await Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = device.PairingCode, ChildBirthMonth = birthMonth, ChildName = "Mia" }, options);
        return (options, paired);
    }

    public Task<MqttTestClient> ConnectAsDeviceAsync(RegisterDeviceResponse device) =>
        MqttTestClient.ConnectAsync(Service.MqttPort, device.DeviceId, device.DeviceId, device.MqttPassword);

    /// <summary>Verifies a received envelope exactly as the device does, with the device's provisioned key.</summary>
    public static DevicePolicy VerifyOnDevice(RegisterDeviceResponse device, byte[] envelope, ulong currentVersion = 0)
    {
        var verifier = new PolicyVerifier(new Hmac(), new DeviceKeys(device.DeviceId, device.PolicyKeyId, device.PolicyKey.ToByteArray(), device.GuardianCodeSecret.ToByteArray()));
        var refusal = verifier.Verify(envelope, 0, envelope.Length, currentVersion, out var policy, out _);
        Assert.Equal(PolicyRefusal.None, refusal);
        return policy;
    }

    internal sealed class Hmac : IHmacSha256
    {
        public void Compute(byte[] key, byte[] data, int offset, int count, byte[] output) =>
            HMACSHA256.HashData(key, data.AsSpan(offset, count), output);
    }
}
